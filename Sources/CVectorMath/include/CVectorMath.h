// Square roots that the compiler can vectorize.
//
// On Linux, Swift's `squareRoot()` lowers to a call of libm's `sqrtf`/`sqrt`, which may set
// `errno`; that side effect keeps LLVM from vectorizing any loop containing it (Adam, RMSprop,
// Adagrad, ... ran scalar). `__builtin_elementwise_sqrt` is the `llvm.sqrt` intrinsic: the same
// correctly rounded IEEE result, no `errno`, so loops using it become `sqrtps`/`sqrtpd`.
#ifndef CVECTORMATH_H
#define CVECTORMATH_H

static inline __attribute__((always_inline)) float cvm_sqrtf(float x) {
  return __builtin_elementwise_sqrt(x);
}

static inline __attribute__((always_inline)) double cvm_sqrt(double x) {
  return __builtin_elementwise_sqrt(x);
}

#endif
