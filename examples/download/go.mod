module github.com/xfer-go/xfer/examples/download

go 1.26.0

replace github.com/xfer-go/xfer => ../..

require (
	github.com/vbauerster/mpb/v8 v8.16.2
	github.com/xfer-go/xfer v0.0.0-00010101000000-000000000000
	golang.org/x/sys v0.50.0
	golang.org/x/term v0.48.0
)

require (
	github.com/VividCortex/ewma v1.2.0 // indirect
	github.com/acarl005/stripansi v0.0.0-20180116102854-5a71ef0e047d // indirect
	github.com/andybalholm/brotli v1.3.0 // indirect
	github.com/clipperhouse/uax29/v2 v2.7.0 // indirect
	github.com/google/btree v1.1.3 // indirect
	github.com/klauspost/compress v1.20.5 // indirect
	github.com/mattn/go-runewidth v0.0.30 // indirect
	github.com/vbauerster/cupwriter v0.0.5 // indirect
	golang.org/x/net v0.62.0 // indirect
)
