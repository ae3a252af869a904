package pool

import "testing"

func TestIsListen(t *testing.T) {
	for q, want := range map[string]bool{
		"LISTEN jobs":        true,
		"  listen\n\"Jobs\"": true,
		"(Listen x)":         true,
		"LISTEN":             true,
		"LISTENER":           false,
		"UNLISTEN *":         false,
		"SELECT 'LISTEN x'":  false,
		"":                   false,
	} {
		if got := isListen(q); got != want {
			t.Errorf("isListen(%q) = %v, want %v", q, got, want)
		}
	}
}
