/* bench_cell_kernels: CPU time of a kernel library's cell-type step functions alone (no
 * synapses, no runtime), in ns per compartment-step, for blocks of given sizes.
 *
 *   cc -O2 -I Sources/CBRCKernel/include tools/bench_cell_kernels.c -o /tmp/bench_cell_kernels -ldl
 *   brcc compile models/brc/LEMS_cue_dend_nmda.xml -o /tmp/k --precision exact   # or fast
 *   /tmp/bench_cell_kernels /tmp/k/libbrc_kernels.so 10000 50:16 25:4 100:4 75:4
 *
 * Arguments: the library, steps, then for each cell type in order its number of cells and,
 * after a colon, its compartments per cell (nodes with membrane; default: all its nodes). The
 * study network: 50 E cells of 16 compartments (19 nodes), 25 I, 100 input and 75 rate cells
 * of 4. Potentials start at -65..-59 mV,
 * parameters are small made-up values (timing, not physiology: the kernels are branch-free,
 * so their cost does not depend on the values). Not a test; docs/performance.md. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "brc_kernel.h"

static double cpu(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: %s LIBRARY STEPS CELLS_OF_TYPE_0 [CELLS_OF_TYPE_1 ...]\n", argv[0]); return 64; }
    void *h = dlopen(argv[1], RTLD_NOW);
    if (!h) { fprintf(stderr, "%s\n", dlerror()); return 1; }
    brc_kernel_library_fn fn = (brc_kernel_library_fn)dlsym(h, BRC_KERNEL_ENTRY);
    if (!fn) { fprintf(stderr, "no %s in %s\n", BRC_KERNEL_ENTRY, argv[1]); return 1; }
    const brc_kernel_library *lib = fn();
    const int steps = atoi(argv[2]);
    double total = 0, compartmentSteps = 0;
    for (int c = 0; c < lib->n_cell_types && 3 + c < argc; c++) {
        const brc_cell_kernel *k = &lib->cell_types[c];
        const int n = atoi(argv[3 + c]), nn = k->n_nodes;
        const char *colon = strchr(argv[3 + c], ':');
        const int comps = colon ? atoi(colon + 1) : nn;
        if (n <= 0) continue;
        brc_cells b = {0};
        b.n_cells = n; b.first = 0; b.last = n; b.dt = 0.025; b.t = 0; b.temperature = 279.45 + 27;
        b.v = malloc(sizeof(double) * nn * n);
        b.param = calloc((size_t)(k->n_params ? k->n_params : 1) * n, sizeof(double));
        b.state = calloc((size_t)(k->n_states ? k->n_states : 1) * n, sizeof(double));
        double *ii = calloc((size_t)nn * n, sizeof(double)), *gg = calloc((size_t)nn * n, sizeof(double)), *ga = calloc(nn, sizeof(double));
        for (int i = 0; i < nn * n; i++) b.v[i] = -65.0 + (i % 7);
        for (int i = 0; i < k->n_params * n; i++) b.param[i] = 1e-6 * (i % 5);
        for (int i = 0; i < nn; i++) ga[i] = 0.01;
        b.i_inj = ii; b.g_ext = gg; b.g_axial = ga;
        k->init(&b);
        const double t0 = cpu();
        for (int s = 0; s < steps; s++) k->step(&b);
        const double t = cpu() - t0;
        printf("%-16s %4d cells x %3d compartments: %6.1f ns per compartment-step\n", k->name, n, comps, t / steps / ((double)n * comps) * 1e9);
        total += t; compartmentSteps += (double)steps * n * comps;
        free(b.v); free(b.param); free(b.state); free(ii); free(gg); free(ga);
    }
    printf("all cell kernels: %.1f ns per compartment-step\n", total / compartmentSteps * 1e9);
    return 0;
}
