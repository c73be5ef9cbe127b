//go:build race

package http1

// raceEnabled reports a build with the race detector, under which sync.Pool
// drops some of what it is given, so that allocation figures grow.
const raceEnabled = true
