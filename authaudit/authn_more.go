package authaudit

import (
	"context"
	"log/slog"

	"github.com/secaudit/auditkit/slogaudit"
)

// Event types (the event_type attribute). Further authentication events of OWASP's AUTHN family.
const (
	EventImpossibleTravel = "auth.impossible_travel" // ImpossibleTravel
	EventTokenDeleted     = "auth.token.deleted"     // TokenDeleted
)

var (
	impossibleTravelEvent = event{typ: EventImpossibleTravel, owasp: "authn_impossible_travel",
		level: slogaudit.LevelCritical, body: EventImpossibleTravel, outcome: outcomeFail}
	tokenDeletedEvent = event{typ: EventTokenDeleted, owasp: "authn_token_delete",
		level: slog.LevelWarn, body: EventTokenDeleted, outcome: outcomeSuccess}
)

// ImpossibleTravel records that userID logged in from two regions too far
// apart for the time between (auth.impossible_travel, CRITICAL): a shared or
// stolen credential. The regions are written as audit.geo.from and
// audit.geo.to.
func ImpossibleTravel(ctx context.Context, userID, fromRegion, toRegion string, attrs ...slog.Attr) {
	emit(ctx, nil, &impossibleTravelEvent, &params{userID: userID, kv: kv2(KeyGeoFrom, fromRegion, KeyGeoTo, toRegion)}, attrs)
}

// ImpossibleTravel is the package function ImpossibleTravel, logged through lg.
func (lg *Logger) ImpossibleTravel(ctx context.Context, userID, fromRegion, toRegion string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &impossibleTravelEvent, &params{userID: userID, kv: kv2(KeyGeoFrom, fromRegion, KeyGeoTo, toRegion)}, attrs)
}

// TokenDeleted records that the tokens of application appID were deleted
// (auth.token.deleted, WARN); the acting user in ctx, if any, is user.id.
func TokenDeleted(ctx context.Context, appID string, attrs ...slog.Attr) {
	emit(ctx, nil, &tokenDeletedEvent, &params{actor: true, kv: kv1(KeyAppID, appID)}, attrs)
}

// TokenDeleted is the package function TokenDeleted, logged through lg.
func (lg *Logger) TokenDeleted(ctx context.Context, appID string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &tokenDeletedEvent, &params{actor: true, kv: kv1(KeyAppID, appID)}, attrs)
}
