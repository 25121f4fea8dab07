# Sourced by tools/*_reference.sh: sets $jar to the jNeuroML jar ($JNML_JAR, or the one an
# installed pyNeuroML carries, in /tmp/pynml or the system Python), or exits 2 saying how to get it.
jar=${JNML_JAR:-}
if [ -z "$jar" ]; then
  for py in /tmp/pynml/bin/python3 python3; do
    jar=$($py - 2>/dev/null <<'PY' || true
import glob, os, pyneuroml
print((glob.glob(os.path.join(os.path.dirname(pyneuroml.__file__), "lib", "jNeuroML-*-jar-with-dependencies.jar")) or [""])[0])
PY
)
    [ -n "$jar" ] && break
  done
fi
[ -n "$jar" ] || { echo "no jNeuroML jar: set JNML_JAR or pip install pyneuroml" >&2; exit 2; }
