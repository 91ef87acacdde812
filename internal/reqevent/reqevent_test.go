package reqevent

import (
	"log/slog"
	"testing"
)

func TestHostOnly(t *testing.T) {
	for in, want := range map[string]string{
		"example.com": "example.com", "example.com:8443": "example.com", "[2001:db8::1]:443": "2001:db8::1",
		"[::1]": "::1", "2001:db8::1": "2001:db8::1", "": "",
	} {
		if got := HostOnly(in); got != want {
			t.Errorf("HostOnly(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOptionalValues(t *testing.T) {
	if Optional("").Kind() != slog.KindGroup || Optional("x").String() != "x" ||
		Pseudonym("").Kind() != slog.KindGroup || len(AppendString(nil, "k", "")) != 0 || len(AppendString(nil, "k", "v")) != 1 {
		t.Error("empty values must be omitted, others kept")
	}
}
