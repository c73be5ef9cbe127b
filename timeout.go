package xfer

import (
	"errors"
	"fmt"
	"time"
)

var errNoResolver = errors.New("xfer: no resolver could be configured from the system")

// errTimeout describes which limit a transfer hit.
func errTimeout(what string, limit time.Duration) error {
	return fmt.Errorf("xfer: %s timed out after %v", what, limit)
}
