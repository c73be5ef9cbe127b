package testutil

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// ChildMode returns the mode a child started by StartChild runs in, read from the
// environment variable env, or "" in the parent. TestMain calls it first:
//
//	if mode := testutil.ChildMode("PKG_TEST_SERVER"); mode != "" {
//		serve(mode) // print what the parent reads, then serve until stdin closes
//		return
//	}
func ChildMode(env string) string { return os.Getenv(env) }

// StartChild runs the test binary again, with env set to mode and no test selected, and
// returns the first n lines the child prints (an address, a certificate...), trimmed. The
// child serves until its standard input closes: when t ends, it is closed, and the child
// is waited for (killed after five seconds).
func StartChild(t testing.TB, env, mode string, n int) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env+"="+mode)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	out := bufio.NewReader(stdout)
	lines := make([]string, n)
	for i := range lines {
		line, err := out.ReadString('\n')
		if err != nil || strings.HasPrefix(line, "error") {
			t.Fatalf("child server: %q %v", line, err)
		}
		lines[i] = strings.TrimSpace(line)
	}
	return lines
}
