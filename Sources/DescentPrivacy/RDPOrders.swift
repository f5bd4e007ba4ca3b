/// The Rényi orders α at which an accountant tracks privacy loss.
public enum RDPOrders {
  /// Opacus 1.6's `RDPAccountant.DEFAULT_ALPHAS`: 1.1, 1.2, …, 10.9 (each 1 + x/10 as a double,
  /// x = 1…99, so 2.0, 3.0, …, 10.0 are whole and take the integer-order sum) then 12, 13, …, 63;
  /// 151 orders.
  public static let opacusDefault: [Double] =
    (1...99).map { 1 + Double($0) / 10.0 } + (12...63).map { Double($0) }

  /// Checks a list of orders given by a user: not empty, each finite and > 1.
  public static func validate(_ orders: [Double]) throws(PrivacyError) {
    guard !orders.isEmpty else { throw .noOrders }
    for order in orders where !(order.isFinite && order > 1) { throw .order(order) }
  }
}
