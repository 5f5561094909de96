// Version: the suite's version, recorded in every checkpoint's reproducibility section.

/// The version of the zl suite (all three tools share it).
public let zlVersion = "0.1.0"
