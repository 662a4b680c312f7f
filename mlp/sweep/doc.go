// Package sweep plans and reports a hyperparameter sweep: a grid of
// trainer flags (ParseGrid), its cross product as named runs (Plan),
// their order (longest expected first), and, once they have run, the
// selection of a configuration on the validation split only and the
// summary and report a person can trust (Summarize).
//
// A sweep's runs are ordinary training runs; this package knows nothing of
// MPI or of how they are trained.
package sweep
