package bench

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	phuslu "github.com/phuslu/log"
	"github.com/rs/zerolog"
	"go.opentelemetry.io/contrib/bridges/otelslog"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutlog"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/secaudit/auditkit/redact"
	"github.com/secaudit/auditkit/slogaudit"
)

// The record every peer writes: a failed login as an audit event, eight
// attributes, one of them a group.
const (
	msg       = "auth.login.failed"
	eventType = "auth.login.failed"
	requestID = "8bdc1a77fb744594ad67a59004a4a42b"
	userID    = "42"
	clientIP  = "203.0.113.10"
	outcome   = "failure"
	status    = 401
	duration  = 183 * time.Microsecond
	method    = "POST"
	route     = "/api/{account}/login"
)

func logAudit(ctx context.Context, l *slog.Logger) {
	l.LogAttrs(ctx, slog.LevelWarn, msg,
		slog.String("event_type", eventType),
		slog.String("request_id", requestID),
		slog.String("user.id", userID),
		slog.String("client.address", clientIP),
		slog.String("outcome", outcome),
		slog.Int("http.response.status_code", status),
		slog.Duration("duration_ns", duration),
		slog.Group("http", slog.String("method", method), slog.String("route", route)),
	)
}

type nopHandler struct{}

func (nopHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (nopHandler) Handle(context.Context, slog.Record) error { return nil }
func (h nopHandler) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h nopHandler) WithGroup(string) slog.Handler           { return h }

func benchSlog(b *testing.B, h slog.Handler) {
	l := slog.New(h)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		logAudit(ctx, l)
	}
}

func otelslogHandler(b *testing.B) slog.Handler {
	exp, err := stdoutlog.New(stdoutlog.WithWriter(io.Discard))
	if err != nil {
		b.Fatal(err)
	}
	// A simple (synchronous) processor so the export cost is inside the call,
	// as it is for every other peer here.
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(exp)))
	b.Cleanup(func() { _ = lp.Shutdown(context.Background()) })
	return otelslog.NewHandler("bench", otelslog.WithLoggerProvider(lp))
}

func BenchmarkHandler(b *testing.B) {
	b.Run("nop", func(b *testing.B) { benchSlog(b, nopHandler{}) })
	b.Run("slogaudit", func(b *testing.B) {
		benchSlog(b, slogaudit.NewHandler(io.Discard, &slogaudit.Options{ServiceName: "bench"}))
	})
	b.Run("slogaudit-otlp", func(b *testing.B) {
		benchSlog(b, slogaudit.NewHandler(io.Discard, &slogaudit.Options{ServiceName: "bench", Format: slogaudit.FormatOTLPJSON}))
	})
	b.Run("slog.JSON", func(b *testing.B) { benchSlog(b, slog.NewJSONHandler(io.Discard, nil)) })
	b.Run("phuslu", func(b *testing.B) { benchSlog(b, phuslu.SlogNewJSONHandler(io.Discard, nil)) })
	b.Run("zap", func(b *testing.B) {
		enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
		l := zap.New(zapcore.NewCore(enc, zapcore.AddSync(io.Discard), zapcore.InfoLevel))
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			l.Warn(msg,
				zap.String("event_type", eventType),
				zap.String("request_id", requestID),
				zap.String("user.id", userID),
				zap.String("client.address", clientIP),
				zap.String("outcome", outcome),
				zap.Int("http.response.status_code", status),
				zap.Duration("duration_ns", duration),
				zap.Dict("http", zap.String("method", method), zap.String("route", route)),
			)
		}
	})
	b.Run("zerolog", func(b *testing.B) {
		l := zerolog.New(io.Discard).With().Timestamp().Logger()
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			l.Warn().
				Str("event_type", eventType).
				Str("request_id", requestID).
				Str("user.id", userID).
				Str("client.address", clientIP).
				Str("outcome", outcome).
				Int("http.response.status_code", status).
				Dur("duration_ns", duration).
				Dict("http", zerolog.Dict().Str("method", method).Str("route", route)).
				Msg(msg)
		}
	})
	b.Run("otelslog", func(b *testing.B) { benchSlog(b, otelslogHandler(b)) })
}

// BenchmarkRedaction measures what default redaction costs: the same record
// with no sensitive key, with two sensitive keys, and with redaction off.
func BenchmarkRedaction(b *testing.B) {
	run := func(b *testing.B, r *redact.Redactor, sensitive bool) {
		l := slog.New(slogaudit.NewHandler(io.Discard, &slogaudit.Options{ServiceName: "bench", Redactor: r}))
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if sensitive {
				l.LogAttrs(ctx, slog.LevelWarn, msg,
					slog.String("event_type", eventType),
					slog.String("request_id", requestID),
					slog.String("user.id", userID),
					slog.String("client.address", clientIP),
					slog.String("password", "hunter2"),
					slog.String("access_token", "eyJhbGciOiJIUzI1NiJ9.e30.sig"),
					slog.Duration("duration_ns", duration),
					slog.Group("http", slog.String("method", method), slog.String("route", route)),
				)
				continue
			}
			logAudit(ctx, l)
		}
	}
	b.Run("plain/default", func(b *testing.B) { run(b, nil, false) })
	b.Run("plain/none", func(b *testing.B) { run(b, redact.None(), false) })
	b.Run("sensitive/default", func(b *testing.B) { run(b, nil, true) })
	b.Run("sensitive/none", func(b *testing.B) { run(b, redact.None(), true) })
}
