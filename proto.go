package xfer

// proto is what a connection speaks with its server once it is established (connected,
// and through its TLS handshake when https). It is the seam between the engine, which owns
// the socket, the expiries and the transfers' lives, and a protocol, which turns a
// transfer's request into bytes and bytes into its response:
//
//	fd → TLS (tls.go) → proto (HTTP/1.1: http1.go) → the transfer's stream → Write
//
// HTTP/1.1 carries one transfer at a time, whose stream is its own parser. A protocol
// that multiplexes keeps its streams on the connection and runs each one that an event
// concerns. What a protocol uses of the engine: connRead and connWrite, which move bytes
// through TLS when there is TLS; the response steps headerLine, response, deliver (the body
// to Write, through a content decoder when one is set) and complete; fail; and setWant,
// through the transfer's interest.
type proto interface {
	// ready handles a readiness event on c: it runs the transfer or streams the event
	// concerns, or checks an idle c that the server may have closed.
	ready(m *Multi, c *conn, ev Event)
	// send and recv are the steps of a transfer on c in stSend and stRecv (see run for
	// what a step returns).
	send(m *Multi, t *transfer) bool
	recv(m *Multi, t *transfer) bool
	// want is what t's connection must be watched for on t's behalf, in stSend or stRecv.
	want(t *transfer) Poll
	// release takes t, finished or stopped, off c (t.conn is nil already): c goes back to
	// the idle cache when it can carry another request and no other transfer uses it,
	// and is closed when it cannot.
	release(m *Multi, c *conn, t *transfer)
	// attach makes t, about to send a request, a user of c, an established connection
	// taken from the idle cache or shared.
	attach(c *conn, t *transfer)
	// closing is told that closeConn is closing c.
	closing(m *Multi, c *conn)
}
