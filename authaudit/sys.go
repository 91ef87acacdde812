package authaudit

import (
	"context"
	"log/slog"
)

// Event types (the event_type attribute). System events of OWASP's SYS family: the application's own life cycle and its monitoring.
const (
	EventSystemStartup   = "sys.startup"          // SystemStarted
	EventSystemShutdown  = "sys.shutdown"         // SystemShutdown
	EventSystemRestart   = "sys.restart"          // SystemRestarted
	EventSystemCrash     = "sys.crash"            // SystemCrashed
	EventMonitorDisabled = "sys.monitor.disabled" // MonitorDisabled
	EventMonitorEnabled  = "sys.monitor.enabled"  // MonitorEnabled
)

var (
	systemStartedEvent = event{typ: EventSystemStartup, owasp: "sys_startup",
		level: slog.LevelWarn, body: EventSystemStartup}
	systemShutdownEvent = event{typ: EventSystemShutdown, owasp: "sys_shutdown",
		level: slog.LevelWarn, body: EventSystemShutdown}
	systemRestartedEvent = event{typ: EventSystemRestart, owasp: "sys_restart",
		level: slog.LevelWarn, body: EventSystemRestart}
	systemCrashedEvent = event{typ: EventSystemCrash, owasp: "sys_crash",
		level: slog.LevelWarn, body: EventSystemCrash, outcome: outcomeFail}
	monitorDisabledEvent = event{typ: EventMonitorDisabled, owasp: "sys_monitor_disabled",
		level: slog.LevelWarn, body: EventMonitorDisabled}
	monitorEnabledEvent = event{typ: EventMonitorEnabled, owasp: "sys_monitor_enabled",
		level: slog.LevelWarn, body: EventMonitorEnabled}
)

// SystemStarted records that the application started (sys.startup, WARN);
// userID is who started it, empty for the system.
func SystemStarted(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, nil, &systemStartedEvent, &params{userID: userID}, attrs)
}

// SystemStarted is the package function SystemStarted, logged through lg.
func (lg *Logger) SystemStarted(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &systemStartedEvent, &params{userID: userID}, attrs)
}

// SystemShutdown records that the application is shutting down (sys.shutdown,
// WARN); userID is who asked, empty for the system.
func SystemShutdown(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, nil, &systemShutdownEvent, &params{userID: userID}, attrs)
}

// SystemShutdown is the package function SystemShutdown, logged through lg.
func (lg *Logger) SystemShutdown(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &systemShutdownEvent, &params{userID: userID}, attrs)
}

// SystemRestarted records that the application restarted (sys.restart, WARN);
// userID is who asked, empty for the system.
func SystemRestarted(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, nil, &systemRestartedEvent, &params{userID: userID}, attrs)
}

// SystemRestarted is the package function SystemRestarted, logged through lg.
func (lg *Logger) SystemRestarted(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &systemRestartedEvent, &params{userID: userID}, attrs)
}

// SystemCrashed records that the application is going down on an unexpected
// error (sys.crash, WARN); reason is a short word, never the error's text,
// which may hold data.
func SystemCrashed(ctx context.Context, reason string, attrs ...slog.Attr) {
	emit(ctx, nil, &systemCrashedEvent, &params{reason: reason}, attrs)
}

// SystemCrashed is the package function SystemCrashed, logged through lg.
func (lg *Logger) SystemCrashed(ctx context.Context, reason string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &systemCrashedEvent, &params{reason: reason}, attrs)
}

// MonitorDisabled records that userID turned off the monitoring or security
// control monitor (sys.monitor.disabled, WARN): what an intruder does first.
func MonitorDisabled(ctx context.Context, userID, monitor string, attrs ...slog.Attr) {
	emit(ctx, nil, &monitorDisabledEvent, &params{userID: userID, kv: kv1(KeyMonitor, monitor)}, attrs)
}

// MonitorDisabled is the package function MonitorDisabled, logged through lg.
func (lg *Logger) MonitorDisabled(ctx context.Context, userID, monitor string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &monitorDisabledEvent, &params{userID: userID, kv: kv1(KeyMonitor, monitor)}, attrs)
}

// MonitorEnabled records that userID turned the control monitor back on
// (sys.monitor.enabled, WARN).
func MonitorEnabled(ctx context.Context, userID, monitor string, attrs ...slog.Attr) {
	emit(ctx, nil, &monitorEnabledEvent, &params{userID: userID, kv: kv1(KeyMonitor, monitor)}, attrs)
}

// MonitorEnabled is the package function MonitorEnabled, logged through lg.
func (lg *Logger) MonitorEnabled(ctx context.Context, userID, monitor string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &monitorEnabledEvent, &params{userID: userID, kv: kv1(KeyMonitor, monitor)}, attrs)
}
