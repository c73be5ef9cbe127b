module github.com/xfer-go/xfer/bench

go 1.26.0

require (
	github.com/valyala/fasthttp v1.78.0
	github.com/xfer-go/xfer v0.0.0
	golang.org/x/sys v0.50.0
)

require (
	github.com/andybalholm/brotli v1.3.0 // indirect
	github.com/google/btree v1.1.3 // indirect
	github.com/klauspost/compress v1.20.5 // indirect
	github.com/molecule-man/go-brrr v1.3.1 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	golang.org/x/net v0.62.0 // indirect
)

replace github.com/xfer-go/xfer => ../
