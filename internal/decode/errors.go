package decode

import (
	"errors"
	"fmt"
)

// ErrUnknownCoding is matched by the error [Parse] returns for a content
// coding it does not know.
var ErrUnknownCoding = errors.New("decode: unknown content coding")

// ErrTooManyCodings is returned by [Parse] when a body carries more than
// [MaxCodings] codings.
var ErrTooManyCodings = fmt.Errorf("decode: more than %d content codings", MaxCodings)
