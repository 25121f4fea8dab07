/// The text of `brc_kernel.h` (Sources/CBRCKernel/include), written next to generated C so
/// that a kernel library builds without the brcc sources. tools/sync_abi_header.py writes
/// this file; a test keeps the two identical.
public let kernelABIHeader = #"""
/* brc_kernel.h: the ABI between brcc's generated kernels (C or Swift) and its runtime.
 *
 * A kernel library exports one function, `brc_kernels`, returning a table of cell-type and
 * synapse kernels. Units are brcc's internal units: ms, mV, um, nA, uS, nF. All arrays are
 * owned by the runtime and laid out structure-of-arrays across the cells of a block: value
 * `slot` (a node, a parameter or a state) of cell c is at [slot * n_cells + c], so kernels
 * vectorise across cells.
 * Bump BRC_KERNEL_ABI_VERSION on any change to these structures or their meaning.
 */
#ifndef BRC_KERNEL_H
#define BRC_KERNEL_H

#include <stdint.h>

#define BRC_KERNEL_ABI_VERSION 9

/* The state of all cells of one cell type. */
typedef struct brc_cells {
    int64_t n_cells;     /* cells in the block: the stride of every array */
    int64_t first, last; /* the kernel works on cells [first, last) (a thread's share) */
    double dt;           /* ms */
    double t;            /* ms: the time at the start of the step */
    double temperature;  /* K */
    double *v;           /* [n_nodes * n_cells] membrane potential, mV */
    double *param;       /* [n_params * n_cells] run-time parameters (see IRLayout) */
    double *state;       /* [n_states * n_cells] mechanism states (see IRLayout) */
    const double *i_inj; /* [n_nodes * n_cells] injected and synaptic current into each node, nA */
    const double *g_ext; /* [n_nodes * n_cells] synaptic d(-i)/dv per node, uS (the diagonal) */
    const double *g_axial; /* [n_nodes] axial conductance from each node to its parent, uS, shared by
                              the block's cells; supplied at run time so that a search can vary the
                              axial resistivity without recompiling */
} brc_cells;

/* One cell type's kernels. */
typedef struct brc_cell_kernel {
    const char *name;
    int32_t n_nodes;
    int32_t n_params;
    int32_t n_states;
    /* The step kernel runs a block whose size is a multiple of `lanes` in vector code alone;
     * leftover cells run scalar, which can cost as much as a whole vector. The runtime pads
     * every block's stride (n_cells) to a multiple of it with copies of the block's last
     * cell, which the kernels compute and nothing reads. 1: no padding. */
    int32_t lanes;
    /* Sets every state to its steady state at the present v (NEURON's finitialize). */
    void (*init)(brc_cells *cells);
    /* Advances all cells by one step dt: currents at the present state, implicit voltage
     * solve (Hines), then states with the new voltage. */
    void (*step)(brc_cells *cells);
} brc_cell_kernel;

/* All instances of one synapse type on cells of one cell type. */
typedef struct brc_synapses {
    int64_t n;              /* instances */
    int64_t first, last;    /* init, current and update compute instances first ..< last (a
                             * thread's share; instances on one node are never split) */
    double dt;              /* ms */
    double t;               /* ms: event time (event), step start (current), step end (update) */
    double temperature;     /* K */
    const int64_t *target;  /* [n] post-synaptic node: node * n_cells + cell in the cell block */
    double *param;          /* [n_params * n]: parameter q of instance k at [q * n + k] */
    double *state;          /* [n_states * n]: state q of instance k at [q * n + k] */
    const double *v;        /* the post-synaptic cell block's potentials */
    double *i_syn;          /* cell block: current into each node, nA (accumulated) */
    double *g_syn;          /* cell block: d(-i)/dv per node, uS (accumulated) */
    int64_t refresh;        /* nonzero: parameters (or dt) were set since the last update, whose
                             * kernel then computes its kept factors again (the runtime lowers it) */
} brc_synapses;

typedef struct brc_synapse_kernel {
    const char *name;
    int32_t n_params;
    int32_t n_states;   /* the model's states, then rows the update keeps for itself (factors
                         * of parameters, computed again when `refresh` is raised) */
    /* States to their initial values. */
    void (*init)(brc_synapses *syn);
    /* Adds each instance's current and its numerical d(-i)/dv (NEURON's v + 0.001 mV rule). */
    void (*current)(brc_synapses *syn);
    /* Advances the states with the new potential, then applies conditions at time t. */
    void (*update)(brc_synapses *syn);
    /* A spike reaches instance `k` with `weight` at time t. */
    void (*event)(brc_synapses *syn, int64_t k, double weight);
} brc_synapse_kernel;

typedef struct brc_kernel_library {
    int32_t abi_version;
    int32_t n_cell_types;
    const brc_cell_kernel *cell_types;
    int32_t n_synapse_types;
    const brc_synapse_kernel *synapse_types;
    /* 0: exact precision; 1: fast (`--precision fast`), for which the runtime also draws its
     * noise currents with its own vectorised functions (brc_noise.h). */
    int32_t precision;
} brc_kernel_library;

/* The ABI version the runtime was built with (defined by the runtime, not by kernels). */
int32_t brc_runtime_abi_version(void);

/* The library's single entry point. */
typedef const brc_kernel_library *(*brc_kernel_library_fn)(void);
#define BRC_KERNEL_ENTRY "brc_kernels"

#endif

"""#
