//go:build race

package decode

// raceEnabled skips measurements that the race detector would distort.
const raceEnabled = true
