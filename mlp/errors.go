// Errors the training loop returns.
package mlp

import "errors"

// ErrNonFinite is wrapped by the error Train and Trainer.Step return when the
// loss of a step is NaN or infinite; the message adds the value, the epoch
// and the step.
var ErrNonFinite = errors.New("mlp: non-finite train loss")
