/// The 37 papers, in the order of the project's paper digests. Ids are a stable contract:
/// scripts call `descent reproduce ID`.
public enum PaperCatalogue {
  public static let papers: [Paper] = [
    Paper(
      "diffgrad", "diffGrad: An Optimization Method for Convolutional Neural Networks",
      arxiv: "1909.11015", inLibrary: true),
    Paper("8bit", "8-bit Optimizers via Block-wise Quantization", arxiv: "2110.02861", inLibrary: true),
    Paper(
      "lr-batch",
      "Learning Rates as a Function of Batch Size: A Random Matrix Theory Approach to Neural Network Training",
      arxiv: "2006.09092", inLibrary: true),
    Paper(
      "deep-ritz", "Neural Network Approximations of PDEs Beyond Linearity: A Representational Perspective",
      arxiv: "2210.12101"),
    Paper(
      "adadagrad", "AdAdaGrad: Adaptive Batch Size Schemes for Adaptive Gradient Methods",
      arxiv: "2402.11215", inLibrary: true),
    Paper(
      "adasketch",
      "Constrained Optimization via Exact Augmented Lagrangian and Randomized Iterative Sketching",
      arxiv: "2305.18379"),
    Paper(
      "adahessian", "ADAHESSIAN: An Adaptive Second Order Optimizer for Machine Learning",
      arxiv: "2006.00719", inLibrary: true),
    Paper(
      "refined-schedules", "When, Why and How Much? Adaptive Learning Rate Scheduling by Refinement",
      arxiv: "2310.07831", inLibrary: true),
    Paper(
      "ntk", "Neural Tangent Kernel: Convergence and Generalization in Neural Networks",
      arxiv: "1806.07572"),
    Paper(
      "mfac", "M-FAC: Efficient Matrix-Free Approximations of Second-Order Information",
      arxiv: "2107.03356", inLibrary: true),
    Paper(
      "convex-relu",
      "Efficient Global Optimization of Two-layer ReLU Networks: Quadratic-time Algorithms and Adversarial Training",
      arxiv: "2201.01965"),
    Paper(
      "odice",
      "ODICE: Revealing the Mystery of Distribution Correction Estimation via Orthogonal-gradient Update",
      arxiv: "2402.00348"),
    Paper(
      "hierarchical-poly", "Learning Hierarchical Polynomials with Three-Layer Neural Networks",
      arxiv: "2311.13774"),
    Paper(
      "optimistic-omd",
      "Optimistic Online Mirror Descent for Bridging Stochastic and Adversarial Online Convex Optimization",
      arxiv: "2302.04552", inLibrary: true),
    Paper(
      "bsvrb",
      "Blockwise Stochastic Variance-Reduced Methods with Parallel Speedup for Multi-Block Bilevel Optimization",
      arxiv: "2305.18730"),
    Paper(
      "dcdm", "A Deep Conjugate Direction Method for Iteratively Solving Linear Systems",
      arxiv: "2205.10763"),
    Paper("attention-svm", "Transformers as Support Vector Machines", arxiv: "2308.16898"),
    Paper("neural-bandits", "Contextual Bandits with Online Neural Regression", arxiv: "2312.07145"),
    Paper(
      "last-iterate", "Revisiting the Last-Iterate Convergence of Stochastic Gradient Methods",
      arxiv: "2312.08531"),
    Paper(
      "stability", "The Implicit Regularization of Dynamical Stability in Stochastic Gradient Descent",
      arxiv: "2305.17490", inLibrary: true),
    Paper(
      "score-matching",
      "Neural Network-Based Score Estimation in Diffusion Models: Optimization and Generalization",
      arxiv: "2401.15604"),
    Paper("hessian-alignment", "Understanding Hessian Alignment for Domain Generalization", arxiv: "2308.11778"),
    Paper("monge-gap", "The Monge Gap: A Regularizer to Learn All Transport Maps", arxiv: "2302.04953"),
    Paper(
      "adversarial-mdp", "Refined Regret for Adversarial MDPs with Linear Function Approximation",
      arxiv: "2301.12942"),
    Paper(
      "dp-spiderboost",
      "Faster Rates of Convergence to Stationary Points in Differentially Private Optimization",
      arxiv: "2206.00846"),
    Paper("snnk", "Scalable Neural Network Kernels", arxiv: "2310.13225"),
    Paper(
      "orex", "OReX: Object Reconstruction from Planar Cross-sections Using Neural Fields",
      arxiv: "2211.12886"),
    Paper(
      "reste",
      "Estimator Meets Equilibrium Perspective: A Rectified Straight Through Estimator for Binary Neural Networks Training",
      arxiv: "2308.06689"),
    Paper(
      "sophia", "Sophia: A Scalable Stochastic Second-order Optimizer for Language Model Pre-training",
      arxiv: "2305.14342", inLibrary: true),
    Paper("sso", "Target-based Surrogates for Stochastic Optimization", arxiv: "2302.02607"),
    Paper(
      "diff2",
      "DIFF2: Differential Private Optimization via Gradient Differences for Nonconvex Distributed Learning",
      arxiv: "2302.03884"),
    Paper(
      "bo-rep", "Bilevel Optimization under Unbounded Smoothness: A New Algorithm and Convergence Analysis",
      arxiv: "2401.09587"),
    Paper(
      "icl-one-step",
      "One Step of Gradient Descent is Provably the Optimal In-Context Learner with One Layer of Linear Self-Attention",
      arxiv: "2307.03576", inLibrary: true),
    Paper("gradient-coding", "Sequential Gradient Coding For Straggler Mitigation", arxiv: "2211.13802"),
    Paper("pretraining", "On the Provable Advantage of Unsupervised Pretraining", arxiv: "2303.01566"),
    Paper("colide", "CoLiDE: Concomitant Linear DAG Estimation", arxiv: "2310.02895"),
    Paper("input-gradients", "Do Input Gradients Highlight Discriminative Features?", arxiv: "2102.12781"),
  ]

  /// The paper with `id`, or nil.
  public static func paper(id: String) -> Paper? { papers.first { $0.id == id } }

  /// The ids, in catalogue order.
  public static var ids: [String] { papers.map(\.id) }
}
