package tlsconn

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"strconv"
	"strings"
)

// SessionKey returns a string that identifies the TLS identity of cfg, for
// connection reuse and for choosing a session cache: a pooled connection or a
// cached session may serve a config only if both have the same key. Two
// configs with different identities never share a key.
//
// The key covers every client-side field that decides whom we trust, who we
// are or what may be negotiated:
//
//   - ServerName, InsecureSkipVerify;
//   - RootCAs by identity: nil (the system roots) or the pool object; two
//     pools with equal contents are different identities, and a pool
//     allocated where a collected one was is a new identity;
//   - each of Certificates by the SHA-256 of its leaf DER;
//   - MinVersion, MaxVersion, NextProtos, CipherSuites, CurvePreferences,
//     Renegotiation, SessionTicketsDisabled, EncryptedClientHelloConfigList;
//   - when any callback that decides identity or trust is set (Time,
//     GetClientCertificate, VerifyPeerCertificate, VerifyConnection,
//     EncryptedClientHelloRejectionVerify), the config object itself, since
//     two functions cannot be compared: such configs share a key only with
//     themselves. Compute the key from the caller's config, not from a copy
//     made per connection.
//
// Fields that do not change the identity (Rand, KeyLogWriter,
// ClientSessionCache, DynamicRecordSizingDisabled) and server-only fields are
// left out. cfg == nil is the zero config.
func SessionKey(cfg *tls.Config) string {
	if cfg == nil {
		cfg = &tls.Config{}
	}
	var b strings.Builder
	b.WriteString("sni=")
	b.WriteString(strconv.Quote(cfg.ServerName))

	b.WriteString(" roots=")
	if cfg.RootCAs == nil {
		b.WriteString("system")
	} else {
		b.WriteString("pool#")
		b.WriteString(strconv.FormatUint(identity(cfg.RootCAs), 10))
	}

	b.WriteString(" certs=[")
	for i, cert := range cfg.Certificates {
		if i > 0 {
			b.WriteByte(',')
		}
		if len(cert.Certificate) == 0 {
			b.WriteString("empty")
			continue
		}
		sum := sha256.Sum256(cert.Certificate[0])
		b.WriteString(hex.EncodeToString(sum[:]))
	}
	b.WriteByte(']')

	b.WriteString(" insecure=")
	b.WriteString(strconv.FormatBool(cfg.InsecureSkipVerify))
	b.WriteString(" versions=")
	writeHex(&b, cfg.MinVersion)
	b.WriteByte('-')
	writeHex(&b, cfg.MaxVersion)

	b.WriteString(" alpn=[")
	for i, p := range cfg.NextProtos {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(p))
	}
	b.WriteString("] suites=[")
	for i, s := range cfg.CipherSuites {
		if i > 0 {
			b.WriteByte(',')
		}
		writeHex(&b, s)
	}
	b.WriteString("] curves=[")
	for i, c := range cfg.CurvePreferences {
		if i > 0 {
			b.WriteByte(',')
		}
		writeHex(&b, uint16(c))
	}
	b.WriteString("] reneg=")
	b.WriteString(strconv.Itoa(int(cfg.Renegotiation)))
	b.WriteString(" tickets=")
	b.WriteString(strconv.FormatBool(!cfg.SessionTicketsDisabled))
	if len(cfg.EncryptedClientHelloConfigList) > 0 {
		sum := sha256.Sum256(cfg.EncryptedClientHelloConfigList)
		b.WriteString(" ech=")
		b.WriteString(hex.EncodeToString(sum[:]))
	}
	if cfg.Time != nil || cfg.GetClientCertificate != nil || cfg.VerifyPeerCertificate != nil ||
		cfg.VerifyConnection != nil || cfg.EncryptedClientHelloRejectionVerify != nil {
		b.WriteString(" config#")
		b.WriteString(strconv.FormatUint(identity(cfg), 10))
	}
	return b.String()
}

func writeHex(b *strings.Builder, v uint16) {
	const digits = "0123456789abcdef"
	b.WriteByte(digits[v>>12])
	b.WriteByte(digits[v>>8&0xf])
	b.WriteByte(digits[v>>4&0xf])
	b.WriteByte(digits[v&0xf])
}
