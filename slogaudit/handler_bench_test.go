package slogaudit

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/secaudit/auditkit/redact"
)

// benchRecord is the benchmark record of the README's performance table: an audit event of 8 plain
// attributes, one of them a group.
func benchRecord() slog.Record {
	r := slog.NewRecord(time.Date(2026, 4, 5, 10, 0, 0, 0, time.UTC), slog.LevelWarn, "http.response", 0)
	r.AddAttrs(
		slog.String("event_type", "http.response.client_error"),
		slog.String("request_id", "8bdc1a77fb744594ad67a59004a4a42b"),
		slog.Group("http",
			slog.String("request.method", "POST"),
			slog.Int("response.status_code", 404),
			slog.String("route", "/api/{account}/transfer"),
		),
		slog.String("url.path", "/api/acct-9/transfer"),
		slog.String("user.id", "42"),
		slog.Duration("duration_ns", 183*time.Microsecond),
	)
	return r
}

// BenchmarkHandle compares Handle alone for the same record through
// slog.JSONHandler and through our Handler, to io.Discard.
func BenchmarkHandle(b *testing.B) {
	ctx := context.Background()
	cases := []struct {
		name string
		h    slog.Handler
	}{
		{"slog.JSON", slog.NewJSONHandler(io.Discard, nil)},
		{"slogaudit/redact.None", NewHandler(io.Discard, &Options{Redactor: redact.None()})},
		{"slogaudit/redact.Default", NewHandler(io.Discard, nil)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			r := benchRecord()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := c.h.Handle(ctx, r); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkLogger measures the whole slog front end plus the handler, with
// attributes passed inline as applications do, and a disabled level.
func BenchmarkLogger(b *testing.B) {
	ctx := context.Background()
	cases := []struct {
		name string
		h    slog.Handler
	}{
		{"slog.JSON", slog.NewJSONHandler(io.Discard, nil)},
		{"slogaudit/redact.None", NewHandler(io.Discard, &Options{Redactor: redact.None()})},
		{"slogaudit/redact.Default", NewHandler(io.Discard, nil)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			l := slog.New(c.h)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					l.LogAttrs(ctx, slog.LevelWarn, "http.response",
						slog.String("event_type", "http.response.client_error"),
						slog.String("request_id", "8bdc1a77fb744594ad67a59004a4a42b"),
						slog.Any("http", slog.GroupValue(
							slog.String("request.method", "POST"),
							slog.Int("response.status_code", 404),
							slog.String("route", "/api/{account}/transfer"),
						)),
						slog.String("url.path", "/api/acct-9/transfer"),
						slog.String("user.id", "42"),
						slog.Duration("duration_ns", 183*time.Microsecond),
					)
				}
			})
		})
	}
	b.Run("disabled", func(b *testing.B) {
		l := slog.New(NewHandler(io.Discard, &Options{Level: slog.LevelError}))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				l.LogAttrs(ctx, slog.LevelInfo, "x", slog.String("event_type", "e"))
			}
		})
	})
}

// BenchmarkHandleScoped is httpaudit's response event: the request scope
// (scope keys plus method, path and a lazy route) and a record that repeats
// those keys, so the scope's values are all replaced.
func BenchmarkHandleScoped(b *testing.B) {
	h := NewHandler(io.Discard, nil)
	ctx := ContextWithAttrs(context.Background(),
		slog.String(KeyRequestID, "8bdc1a77fb744594ad67a59004a4a42b"),
		slog.String(KeyClientAddress, "203.0.113.10"),
		slog.String(KeyPeerAddress, "10.0.0.3"),
		slog.String(keyHTTPMethod, "POST"),
		slog.String(keyURLPath, "/api/acct-9/transfer"),
		slog.Any(keyHTTPRoute, benchRoute{}),
	)
	SetUser(ctx, User{ID: "42"})
	r := slog.NewRecord(time.Date(2026, 4, 5, 10, 0, 0, 0, time.UTC), slog.LevelWarn, "http.response", 0)
	r.AddAttrs(
		slog.String(KeyEventType, "http.response.client_error"),
		slog.String(KeyScopeName, DefaultScopeName),
		slog.String(KeyRequestID, "8bdc1a77fb744594ad67a59004a4a42b"),
		slog.String(KeyClientAddress, "203.0.113.10"),
		slog.String(KeyPeerAddress, "10.0.0.3"),
		slog.String(keyHTTPMethod, "POST"),
		slog.String(keyURLScheme, "https"),
		slog.String(keyURLPath, "/api/acct-9/transfer"),
		slog.String(keyHTTPRoute, "/api/{account}/transfer"),
		slog.Int(keyHTTPStatusCode, 404),
		slog.String(KeyUserID, "42"),
		slog.String(KeyOutcome, OutcomeFailure),
		slog.Duration(keyDurationNS, 183*time.Microsecond),
	)
	b.ReportAllocs()
	for b.Loop() {
		if err := h.Handle(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

// benchRoute is a lazy route, as httpaudit's.
type benchRoute struct{}

func (benchRoute) LogValue() slog.Value { return slog.StringValue("/api/{account}/transfer") }
