package slogaudit

import (
	"log/slog"
	"strings"
)

// Lifted attributes: event_type, otel.scope.name and otel.scope.version move
// out of attributes into the envelope.

// liftedInstScopeVersion is the version of the scope a record named with
// otel.scope.name: its otel.scope.version, else, for a scope of this module
// (authaudit, httpaudit, ...), the module's version, which may be empty.
func (st *state) liftedInstScopeVersion() string {
	if !st.lift.hasInstScopeVersion && strings.HasPrefix(st.lift.instScopeName, modulePath+"/") {
		return st.c.modVersion
	}
	return st.lift.instScopeVersion
}

func (st *state) mergeLift(l lifted) {
	if l.hasEventType {
		st.lift.eventType, st.lift.hasEventType = l.eventType, true
	}
	if l.hasInstScopeName {
		st.lift.instScopeName, st.lift.hasInstScopeName = l.instScopeName, true
	}
	if l.hasInstScopeVersion {
		st.lift.instScopeVersion, st.lift.hasInstScopeVersion = l.instScopeVersion, true
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
		st.lift.instScopeName, st.lift.hasInstScopeName = s, true
	case KeyScopeVersion:
		st.lift.instScopeVersion, st.lift.hasInstScopeVersion = s, true
	}
}

// lifted holds the reserved attributes that are moved out of attributes.
type lifted struct {
	eventType, instScopeName, instScopeVersion          string
	hasEventType, hasInstScopeName, hasInstScopeVersion bool
}
