#include "KernelSupport.h"
#include "DescentKernels.h"

DESCENT_CLONES void descent_exp_f32(const float *x, float *y, long n) {
  // In place (softmax, cross-entropy): a loop over one pointer vectorizes; with two pointers
  // that are equal, the vectorizer's overlap check fails and every element ran scalar.
  if (x == y) {
    for (long i = 0; i < n; i++) y[i] = descent_exp_scalar(y[i]);
    return;
  }
  for (long i = 0; i < n; i++) y[i] = descent_exp_scalar(x[i]);
}

DESCENT_CLONES void descent_log_f32(const float *x, float *y, long n) {
  for (long i = 0; i < n; i++) y[i] = descent_log_scalar(x[i]);
}

DESCENT_CLONES void descent_tanh_f32(const float *x, float *y, long n) {
  for (long i = 0; i < n; i++) y[i] = descent_tanh_scalar(x[i]);
}

DESCENT_CLONES void descent_sigmoid_f32(const float *x, float *y, long n) {
  for (long i = 0; i < n; i++) y[i] = descent_sigmoid_scalar(x[i]);
}
