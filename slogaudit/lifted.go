package slogaudit

import (
	"log/slog"
	"strings"
)

// Lifted attributes: event_type, otel.scope.name and otel.scope.version move
// out of attributes into the envelope.

// liftedScopeVersion is the version of the scope a record named with
// otel.scope.name: its otel.scope.version, else, for a scope of this module
// (authaudit, httpaudit, ...), the module's version, which may be empty.
func (st *state) liftedScopeVersion() string {
	if !st.lift.hasScopeVersion && strings.HasPrefix(st.lift.scopeName, modulePath+"/") {
		return st.c.modVersion
	}
	return st.lift.scopeVersion
}

func (st *state) mergeLift(l lifted) {
	if l.hasEventType {
		st.lift.eventType, st.lift.hasEventType = l.eventType, true
	}
	if l.hasScopeName {
		st.lift.scopeName, st.lift.hasScopeName = l.scopeName, true
	}
	if l.hasScopeVersion {
		st.lift.scopeVersion, st.lift.hasScopeVersion = l.scopeVersion, true
	}
}

// setLifted records a reserved attribute that moves out of attributes. Its
// value meets the value rules like any string: an event type or scope name
// is a label, but nothing stops an application from passing a token.
func (st *state) setLifted(key string, v slog.Value) {
	var s string
	if v.Kind() == slog.KindString {
		s = v.String()
	} else {
		s = stringOf(v)
	}
	if key != KeyEventType && !st.labelClean(s) {
		// event_type is checked where it is encoded (appendLabel), after
		// the copy's pre-scan.
		s = st.c.rules.Mask(s)
	}
	switch key {
	case KeyEventType:
		st.lift.eventType, st.lift.hasEventType = s, true
	case KeyScopeName:
		st.lift.scopeName, st.lift.hasScopeName = s, true
	case KeyScopeVersion:
		st.lift.scopeVersion, st.lift.hasScopeVersion = s, true
	}
}
