package modelaudit

// KeyChangedFields is declared here, with the other keys of modelaudit's
// events (see logger.go).
const (
	// KeyChangedFields lists the names (never values) of changed model fields.
	KeyChangedFields = "changed_fields"
)
