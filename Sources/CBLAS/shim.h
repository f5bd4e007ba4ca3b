#ifndef DESCENT_CBLAS_SHIM_H
#define DESCENT_CBLAS_SHIM_H

// Types and enums of the CBLAS interface. Descent does not link OpenBLAS at build time: it loads
// the library at first use (after choosing its kernels) and looks up the functions it needs.
#include <cblas.h>

#if defined(__x86_64__)
#include <cpuid.h>

/// 1 when the CPU and the OS support the AVX-512 F/BW/DQ/VL subset that OpenBLAS's SkylakeX
/// kernels use.
static inline int descent_cpu_has_avx512(void) {
  unsigned int a, b, c, d;
  if (!__get_cpuid_count(1, 0, &a, &b, &c, &d)) return 0;
  if (!(c & (1u << 27))) return 0;  // OSXSAVE
  unsigned int xcr0_lo, xcr0_hi;
  __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  if ((xcr0_lo & 0xE6) != 0xE6) return 0;  // XMM, YMM, opmask, ZMM state enabled
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
  const unsigned int need = (1u << 16) | (1u << 17) | (1u << 30) | (1u << 31);  // F DQ BW VL
  return (b & need) == need;
}

/// 1 when the CPU and the OS support AVX2 and FMA (OpenBLAS's Haswell kernels).
static inline int descent_cpu_has_avx2_fma(void) {
  unsigned int a, b, c, d;
  if (!__get_cpuid_count(1, 0, &a, &b, &c, &d)) return 0;
  if (!(c & (1u << 27)) || !(c & (1u << 12))) return 0;  // OSXSAVE, FMA
  unsigned int xcr0_lo, xcr0_hi;
  __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  if ((xcr0_lo & 0x6) != 0x6) return 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
  return (b & (1u << 5)) != 0;  // AVX2
}
#else
static inline int descent_cpu_has_avx512(void) { return 0; }
static inline int descent_cpu_has_avx2_fma(void) { return 0; }
#endif

#endif
