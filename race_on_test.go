//go:build linux && race

package xfer

const raceEnabled = true
