#ifndef DESCENT_KERNEL_SUPPORT_H
#define DESCENT_KERNEL_SUPPORT_H

// Shared by every kernel file of CDescentKernels (private: not in include/).

// Each bulk kernel is compiled for AVX-512 (x86-64-v4), AVX2+FMA (x86-64-v3) and baseline x86-64;
// the dynamic loader picks the best for the running CPU (an ifunc), so the binary stays portable.
#if defined(__x86_64__) && defined(__clang__) && defined(__linux__)
#define DESCENT_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define DESCENT_CLONES
#endif

// No contraction of a*b + c into fused multiply-adds: every clone, and the Swift code that
// computes the same formulas, then performs the same IEEE operations in the same order, so
// results are bit-identical whichever CPU runs them.
#pragma clang fp contract(off)

#endif
