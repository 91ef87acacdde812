package redact

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// Keys a handler sees for typical audit records: library keys (kept) and a
// few sensitive ones.
var benchKeys = []string{"http.request.method", "user_agent.original", "request_id",
	"password", "X-Api-Key", "user.id", "passwordConfirmation", "classname"}

func BenchmarkIsSensitiveKey(b *testing.B) {
	r := Default()
	for _, k := range []string{"user_agent.original", "password", "classname", "x_csrftoken"} {
		b.Run(k, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				sinkBool = r.IsSensitiveKey(k)
			}
		})
	}
}

// BenchmarkIsSensitiveKeyNaive is the straightforward way (compact the key
// into a new string, then strings.Contains per entry), for comparison.
func BenchmarkIsSensitiveKeyNaive(b *testing.B) {
	entries := DefaultSensitiveKeys()
	for _, k := range []string{"user_agent.original", "password"} {
		b.Run(k, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				c := compact(k)
				hit := false
				for _, e := range entries {
					if strings.Contains(c, e) {
						hit = true
						break
					}
				}
				sinkBool = hit
			}
		})
	}
}

func BenchmarkEnter(b *testing.B) {
	r := Default()
	b.Run("group+key", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			p := r.Enter(Path{}, "http")
			sinkBool = r.Enter(p, "method").Sensitive()
		}
	})
	b.Run("mixed", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			sinkBool = r.Enter(Path{}, benchKeys[i%len(benchKeys)]).Sensitive()
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				_ = r.Enter(Path{}, benchKeys[i%len(benchKeys)]).Sensitive()
				i++
			}
		})
	})
}

func BenchmarkMatchValue(b *testing.B) {
	const s = "GET /api/v1/accounts/42/transfer?page=2 from 203.0.113.10 agent Mozilla/5.0"
	none := Default()
	all, _ := New(Options{Detectors: DetectorNames()})
	re, _ := New(Options{ValuePatterns: []string{`(?i)bearer\s+\S{8,}`}})
	for _, c := range []struct {
		name string
		r    *Redactor
	}{{"no-rules", none}, {"all-detectors", all}, {"one-regexp", re}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(s)))
			for i := 0; i < b.N; i++ {
				sinkBool = c.r.MatchValue(s)
			}
		})
	}
}

func BenchmarkAppendMask(b *testing.B) {
	r, _ := New(Options{HMACKey: []byte("salt-1")})
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = r.AppendMask(buf[:0], "my-secret-vault")
	}
}

func BenchmarkMiddleware(b *testing.B) {
	for _, c := range []struct {
		name  string
		attrs []any
	}{
		{"clean", []any{"user.id", "42", "http.request.method", "POST", "duration_ns", 1830}},
		{"sensitive", []any{"user.id", "42", "password", "pw", slog.Group("db", "token", "t")}},
	} {
		b.Run(c.name, func(b *testing.B) {
			l := slog.New(Default().Middleware()(slog.NewJSONHandler(io.Discard, nil)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				l.Info("event", c.attrs...)
			}
		})
	}
	b.Run("handle-only", func(b *testing.B) {
		h := Default().Middleware()(nopHandler{})
		rec := slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0)
		rec.AddAttrs(slog.String("user.id", "42"), slog.String("password", "p"), slog.Int("n", 1))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			_ = h.Handle(context.Background(), rec)
		}
	})
}
