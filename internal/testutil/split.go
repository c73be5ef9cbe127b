package testutil

import "math/rand/v2"

// RandomSplit cuts in into pieces of random sizes drawn from seed: empty pieces, single
// bytes, short runs and long ones, so that a sans-IO parser fed them meets every boundary.
func RandomSplit(in []byte, seed uint64) [][]byte {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var pieces [][]byte
	for len(in) > 0 {
		n := 0
		switch rng.IntN(4) {
		case 0: // empty piece
		case 1:
			n = 1
		case 2:
			n = rng.IntN(min(len(in), 16) + 1)
		default:
			n = rng.IntN(len(in) + 1)
		}
		pieces = append(pieces, in[:n])
		in = in[n:]
	}
	return pieces
}
