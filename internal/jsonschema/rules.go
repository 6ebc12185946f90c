package jsonschema

// The strict-mode rules as tables, so the checker and its test read the
// same list. Source: OpenAI's Structured Outputs guide, "Supported
// schemas" (see /work/shared/notes/batch-api.md).

// Limits on one schema in strict mode.
const (
	MaxProperties = 5000   // object properties in the whole schema
	MaxNesting    = 10     // levels of nested objects, the root being level 1
	MaxChars      = 120000 // characters of property names, definition names, enum values and consts
	MaxEnumValues = 1000   // enum values in the whole schema
	// An enum with more than bigEnum string values may hold at most
	// bigEnumChars characters in total.
	bigEnum      = 250
	bigEnumChars = 15000
)

// typeNames are the values "type" may take.
var typeNames = map[string]bool{
	"string": true, "number": true, "integer": true, "boolean": true,
	"object": true, "array": true, "null": true,
}

// formats are the string formats strict mode accepts.
var formats = map[string]bool{
	"date-time": true, "time": true, "date": true, "duration": true, "email": true,
	"hostname": true, "ipv4": true, "ipv6": true, "uuid": true,
}

// keywordTypes maps each supported keyword to the type it applies to
// ("" for any schema).
var keywordTypes = map[string]string{
	"type": "", "description": "", "title": "", "$comment": "", "examples": "",
	"enum": "", "const": "", "anyOf": "", "$ref": "", "$defs": "", "definitions": "",
	"$schema": "", "$id": "",
	"properties": "object", "required": "object", "additionalProperties": "object",
	"items":    "array",
	"minItems": "array", "maxItems": "array",
	"pattern": "string", "format": "string",
	"minimum": "number", "maximum": "number", "exclusiveMinimum": "number",
	"exclusiveMaximum": "number", "multipleOf": "number",
}

// refused maps keywords strict mode rejects to what to do instead.
var refused = map[string]string{
	"allOf":                 "merge the subschemas into one object",
	"oneOf":                 "use \"anyOf\"",
	"not":                   "describe the allowed values instead (an \"enum\", or a \"pattern\")",
	"if":                    "use \"anyOf\" with one alternative per case",
	"then":                  "use \"anyOf\" with one alternative per case",
	"else":                  "use \"anyOf\" with one alternative per case",
	"dependentRequired":     "make every property required, with a type union with \"null\" for the optional ones",
	"dependentSchemas":      "use \"anyOf\" with one alternative per case",
	"dependencies":          "make every property required, with a type union with \"null\" for the optional ones",
	"patternProperties":     "list each property under \"properties\"",
	"unevaluatedProperties": "use \"additionalProperties\": false",
	"propertyNames":         "list each property under \"properties\"",
	"minProperties":         "list each property under \"properties\" and require them all",
	"maxProperties":         "list each property under \"properties\" and require them all",
	"minLength":             "use a \"pattern\" such as \"^.{3,20}$\", or say it in the description",
	"maxLength":             "use a \"pattern\" such as \"^.{0,20}$\", or say it in the description",
	"contentEncoding":       "say it in the description",
	"contentMediaType":      "say it in the description",
	"uniqueItems":           "say it in the description and deduplicate after the run",
	"contains":              "say it in the description",
	"minContains":           "say it in the description",
	"maxContains":           "say it in the description",
	"unevaluatedItems":      "give \"items\" one schema",
	"prefixItems":           "give \"items\" one schema (an object with one property per position)",
	"additionalItems":       "give \"items\" one schema",
	"default":               "remove it: every property is always present in a strict answer",
	"nullable":              "use a type union with \"null\", such as [\"string\", \"null\"] (\"nullable\" is OpenAPI, not JSON Schema)",
	"$anchor":               "refer with \"#/$defs/name\"",
	"$dynamicRef":           "refer with \"#/$defs/name\"",
	"$dynamicAnchor":        "refer with \"#/$defs/name\"",
}
