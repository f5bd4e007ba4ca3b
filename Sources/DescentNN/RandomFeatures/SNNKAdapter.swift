import Descent

/// The SNNK adapter (Sehanobish et al., arXiv:2310.13225, §5; reference `CustomReluAdapter` in
/// arijitthegame/neural-network-kernels, `src/nnk/custom_adapter.py`): y = x + up(SNNK(x)), with
/// `up` a zero-initialized `Linear(hidden, dimension)`, so a pretrained network is unchanged when the
/// adapter is inserted and only out·m + hidden·dimension + dimension parameters train.
///
/// Paths: `0.weights`, `0.projection` (the ``SNNKReLU``), `1.weight`, `1.bias` (`up`).
public func snnkAdapter(
  dimension: Int, hidden: Int, features: Int, projection: RandomProjection = .gaussian,
  dtype: DType = .float32, key: RandomKey
) -> Residual<Sequential> {
  let kernel = SNNKReLU(
    dimension, hidden, features: features, projection: projection, dtype: dtype, key: key)
  let up = Linear(
    weight: Tensor.zeros([dimension, hidden], dtype: dtype),
    bias: Tensor.zeros([dimension], dtype: dtype))
  return Residual(Sequential(kernel, up))
}
