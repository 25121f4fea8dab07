#!/usr/bin/env bash
# A balanced network of Izhikevich point cells (80 % E, 20 % I, each cell driven by a Poisson
# source of 1 kHz through an expTwoSynapse, random connectivity p between and within the
# populations: expTwoSynapse from E, expOneSynapse from I), run three ways in one go so the
# machine's drift hits all: brcc exact (one synapse instance per connection, as NEURON), brcc
# --precision fast (mergeable synapses on one cell summed into one: docs/numerics.md), and
# NEURON 9 on brcc's export of the same network. Prints wall and CPU seconds, the stepping
# time brcc reports, and the spike counts.
#
#   bench/point_network.sh [CELLS [MS [P]]]      default 2000 cells, 200 ms, p = 0.02
#
# Needs NEURON (`pip install neuron==9.0.2`) and a release build (`swift build -c release`).
# Set NEURON=0 to skip it. Not a test: figures go to docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BRCC=$(realpath "${BRCC:-.build/release/brcc}")
cells=${1:-2000}; ms=${2:-200}; p=${3:-0.02}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$cells" "$ms" "$p" > "$work/net.xml" <<'PY'
import sys
n, ms, p = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
ne = n * 4 // 5; ni = n - ne
proj = lambda i, pre, post, syn: f'<projection id="{i}" presynapticPopulation="{pre}" postsynapticPopulation="{post}" synapse="{syn}"><brc:randomConnectivity probability="{p}" seed="{len(i) + ord(i[0]) + ord(i[1])}" delay="1.5ms"/></projection>'
print(f'''<Lems xmlns:brc="urn:brcc:brc:1">
  <Target component="sim"/>
  <izhikevich2007Cell id="rs" v0="-60mV" C="100pF" k="0.7nS_per_mV" vr="-60mV" vt="-40mV" vpeak="35mV" a="0.03per_ms" b="-2nS" c="-50.0mV" d="100pA"/>
  <spikeGeneratorPoisson id="drive" averageRate="1000Hz"/>
  <expTwoSynapse id="input" gbase="0.3nS" erev="0mV" tauRise="0.5ms" tauDecay="5ms"/>
  <expTwoSynapse id="ampa" gbase="0.05nS" erev="0mV" tauRise="0.5ms" tauDecay="5ms"/>
  <expOneSynapse id="gaba" gbase="0.2nS" erev="-80mV" tauDecay="8ms"/>
  <network id="net">
    <population id="E" component="rs" size="{ne}"/>
    <population id="I" component="rs" size="{ni}"/>
    <population id="PE" component="drive" size="{ne}"/>
    <population id="PI" component="drive" size="{ni}"/>
    <projection id="dE" presynapticPopulation="PE" postsynapticPopulation="E" synapse="input"><brc:oneToOne/></projection>
    <projection id="dI" presynapticPopulation="PI" postsynapticPopulation="I" synapse="input"><brc:oneToOne/></projection>
    {proj("EE", "E", "E", "ampa")}
    {proj("EI", "E", "I", "ampa")}
    {proj("IE", "I", "E", "gaba")}
    {proj("II", "I", "I", "gaba")}
  </network>
  <Simulation id="sim" length="{ms}ms" step="0.025ms" target="net">
    <OutputFile id="v" fileName="v.dat"><OutputColumn id="e0" quantity="E[0]/v"/><OutputColumn id="i0" quantity="I[0]/v"/></OutputFile>
    <EventOutputFile id="s" fileName="spikes.dat" format="TIME_ID">
      <EventSelection id="0" select="E[*]" eventPort="spike"/>
      <EventSelection id="{ne}" select="I[*]" eventPort="spike"/>
    </EventOutputFile>
  </Simulation>
</Lems>''')
PY
t() { /usr/bin/time -f "%e %U %M" "$@" 2> "$work/time" > "$work/out"; tail -1 "$work/time"; }
for precision in exact fast; do
  "$BRCC" run "$work/net.xml" --out "$work/warm" --no-plots --precision $precision > /dev/null 2>&1   # compile outside the timing
  read -r w u m < <(t "$BRCC" run "$work/net.xml" --out "$work/$precision" --no-plots --precision $precision)
  stepping=$(sed -n 's/.* steps, \([0-9.]*\) s .*/\1/p' "$work/out")
  merged=$(sed -n 's/^merged \([0-9]*\) synapse instances into \([0-9]*\).*/ (\1 synapses simulated as \2)/p' "$work/out")
  printf "brcc %-5s: %6.2f s wall, %6.2f s CPU, stepping %6.2f s, %4d MB, %d spikes%s\n" $precision "$w" "$u" "$stepping" $((m / 1024)) \
    "$(wc -l < "$work/$precision/spikes.dat")" "$merged"
done
if [ "${NEURON:-1}" != 0 ]; then
  "$BRCC" export "$work/net.xml" --neuron "$work/nrn" > /dev/null
  (cd "$work" && nrnivmodl nrn > /dev/null 2>&1)
  read -r w u m < <(cd "$work" && t python3 nrn/run.py --out "$work/neuron")
  printf "NEURON 9   : %6.2f s wall, %6.2f s CPU (building the network included), %4d MB, %d spikes\n" "$w" "$u" $((m / 1024)) "$(wc -l < "$work/neuron/spikes.dat")"
fi
# The same spikes? (Exact bits differ from NEURON's and from fast mode's; a recurrent network
# may then diverge.)
python3 - "$work" <<'PY'
import os, sys
def spikes(d):
    f = os.path.join(sys.argv[1], d, "spikes.dat")
    return {tuple(l.split()) for l in open(f)} if os.path.exists(f) else None
exact = spikes("exact")
for d in ["fast", "neuron"]:
    s = spikes(d)
    if s is not None: print(f"{d} vs brcc exact: {len(s & exact)} of {len(exact)} spikes at the same time (printed digits) and cell")
PY
