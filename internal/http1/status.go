package http1

import "fmt"

// parseStatusLine parses a status line (without its line ending, free of
// CR): "HTTP/1." DIGIT SP 3DIGIT [ SP reason-phrase ]. A minor version above 1
// is read as HTTP/1.1 (RFC 9110 section 2.5).
func parseStatusLine(c []byte) (status int, proto string, err error) {
	if len(c) < len("HTTP/1.x 200") || string(c[:7]) != "HTTP/1." || !isDigit(c[7]) || c[8] != ' ' ||
		!isDigit(c[9]) || !isDigit(c[10]) || !isDigit(c[11]) || len(c) > 12 && c[12] != ' ' {
		return 0, "", fmt.Errorf("http1: malformed status line %q: %w", truncate(c), ErrWeirdReply)
	}
	status = int(c[9]-'0')*100 + int(c[10]-'0')*10 + int(c[11]-'0')
	if status < 100 {
		return 0, "", fmt.Errorf("http1: status code %d out of range: %w", status, ErrWeirdReply)
	}
	if len(c) > 12 {
		if err := checkReason(c[13:]); err != nil {
			return 0, "", err
		}
	}
	proto = "HTTP/1.1"
	if c[7] == '0' {
		proto = "HTTP/1.0"
	}
	return status, proto, nil
}

func checkReason(reason []byte) error {
	for _, c := range reason {
		if !isFieldValueChar(c) {
			return fmt.Errorf("http1: control byte %#x in reason phrase: %w", c, ErrWeirdReply)
		}
	}
	return nil
}

// statusPrefixOK reports whether b, the start of a status line that is not
// yet complete, can still become a valid one. It lets the parser refuse an
// HTTP/0.9-style reply without waiting for a line ending.
func statusPrefixOK(b []byte) bool {
	const want = "HTTP/1."
	for i := 0; i < len(b) && i < 9; i++ {
		switch {
		case i < len(want):
			if b[i] != want[i] {
				return false
			}
		case i == 7:
			if !isDigit(b[i]) {
				return false
			}
		case i == 8:
			if b[i] != ' ' {
				return false
			}
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// truncate shortens b for use in an error message.
func truncate(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}
