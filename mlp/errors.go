// Errors the training loop returns.
package mlp

import "errors"

// ErrNonFinite is wrapped by the error Train and Trainer.Step return when the
// loss or a gradient of a step is NaN or infinite; the message names the
// value, the epoch and the step.
var ErrNonFinite = errors.New("mlp: non-finite")

// ErrStopped is wrapped by the error Run returns when a Stop hook asked the
// ranks to stop; the Progress returned with it says where to continue.
var ErrStopped = errors.New("mlp: stopped on request")
