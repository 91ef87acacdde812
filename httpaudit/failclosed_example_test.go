package httpaudit_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"syscall"

	"github.com/secaudit/auditkit/auditsink"
	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// fullDisk is an audit file on a full disk.
type fullDisk struct{}

func (fullDisk) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// Durable declares that Write's error tells the truth (slogaudit.Durable):
// fail-closed mode accepts only writers that say so. auditsink.File does.
func (fullDisk) Durable() bool { return true }

// With FailClosed, a request that cannot be audited is refused before the
// application sees it. The writer must be synchronous: a Guard with the
// FailClosed action returns the disk's error to Handle.
func ExampleOptions_failClosed() {
	// One configuration for the handler and the Guard's own event; OnError
	// is where the operator's alerting goes.
	enc := slogaudit.NewEncoder(&slogaudit.Options{OnError: func(error) {}})
	guard := auditsink.NewGuard(fullDisk{}, &auditsink.GuardOptions{Action: auditsink.FailClosed, Encoder: enc})
	logger := slog.New(enc.NewHandler(guard))
	audit, err := httpaudit.New(logger, &httpaudit.Options{FailClosed: true})
	if err != nil {
		panic(err)
	}
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("transfer executed") // never reached
	})

	w := httptest.NewRecorder()
	audit.Wrap(app).ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/transfer", nil))
	fmt.Println(w.Code, audit.Stats().FailClosedRejections)

	// An asynchronous writer cannot back that promise, nor can a writer
	// that does not declare it (io.MultiWriter hides what it wraps).
	async := auditsink.NewAsync(guard, nil)
	defer async.Close(context.Background())
	_, err = httpaudit.New(slog.New(slogaudit.NewHandler(async, nil)), &httpaudit.Options{FailClosed: true})
	fmt.Println(err != nil)
	_, err = httpaudit.New(slog.New(slogaudit.NewHandler(io.MultiWriter(guard), nil)), &httpaudit.Options{FailClosed: true})
	fmt.Println(err != nil)
	// Output:
	// 503 1
	// true
	// true
}
