package xfer

// CloseIdle closes every connection waiting in the cache for reuse (PollRemove first for
// each), as net/http's Transport.CloseIdleConnections does; connections in use are left
// alone. Transfers waiting for a connection slot may then start.
func (m *Multi) CloseIdle() error {
	if err := m.enter(); err != nil {
		return err
	}
	for e := m.idle.Oldest(); e != nil; e = m.idle.Oldest() {
		m.closeConn(e.Value)
	}
	return m.leave()
}
