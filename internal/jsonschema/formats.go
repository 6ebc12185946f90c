package jsonschema

import (
	"net/netip"
	"regexp"
	"strings"
	"time"
)

// formatCheck holds a validity test for each string format strict mode
// supports. They are deliberately plain: the point is to catch a model
// that ignored the format, not to arbitrate RFC corner cases.
var formatCheck = map[string]func(string) bool{
	"date-time": func(s string) bool { _, err := time.Parse(time.RFC3339, s); return err == nil },
	"date":      func(s string) bool { _, err := time.Parse(time.DateOnly, s); return err == nil },
	"time":      validTime,
	"duration": func(s string) bool {
		return durationRE.MatchString(s) && s != "P" && !strings.HasSuffix(s, "T")
	},
	"email": func(s string) bool {
		local, domain, ok := strings.Cut(s, "@")
		return ok && local != "" && hostnameRE.MatchString(domain) && !strings.ContainsAny(s, " \t\n")
	},
	"hostname": hostnameRE.MatchString,
	"ipv4":     func(s string) bool { a, err := netip.ParseAddr(s); return err == nil && a.Is4() },
	"ipv6":     func(s string) bool { a, err := netip.ParseAddr(s); return err == nil && a.Is6() },
	"uuid":     uuidRE.MatchString,
}

var (
	durationRE = regexp.MustCompile(`^P(?:\d+W|(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?)$`)
	hostnameRE = regexp.MustCompile(`^(?i:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.(?i:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?))*$`)
	uuidRE     = regexp.MustCompile(`^(?i:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)
)

// validTime accepts RFC 3339 full-time, "15:04:05" with an optional
// fraction and zone.
func validTime(s string) bool {
	for _, layout := range []string{"15:04:05Z07:00", "15:04:05.999999999Z07:00", "15:04:05", "15:04:05.999999999"} {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}
