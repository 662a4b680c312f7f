// Package eval scores a trained model's predictions against the honest
// baselines a forecast must beat, persistence (tomorrow = today) and an
// ordinary-least-squares linear model, on the normalized scale and, where
// the dataset carries its normalizer's statistics, in index points; and it
// tests whether the model's edge over persistence is real, with the
// Diebold-Mariano test of equal predictive accuracy.
//
// Report is metrics.json; Summary is the run's verdict line, which calls the
// model better or worse than persistence only when the test says the
// difference is significant at 5%.
package eval
