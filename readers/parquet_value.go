package readers

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// leafKind says how a Parquet leaf column's values become text. It is
// decided once per column from the physical and logical types.
type leafKind uint8

const (
	kBool leafKind = iota
	kInt32
	kInt64
	kUint32
	kUint64
	kFloat
	kDouble
	kFloat16   // FIXED_LEN_BYTE_ARRAY(2) holding an IEEE half
	kString    // STRING, ENUM: the bytes as text
	kJSON      // JSON: the text as is; embedded raw in nested JSON when valid
	kBinary    // BYTE_ARRAY or FIXED without annotation: text if valid UTF-8, else base64
	kDecimal   // INT32, INT64 or big-endian two's complement bytes, scaled
	kDate      // days since 1970-01-01
	kTimestamp // INT64 in unit since the epoch
	kTime      // INT32/INT64 in unit since midnight
	kInt96     // legacy Impala/Spark timestamps
	kUUID      // FIXED_LEN_BYTE_ARRAY(16)
	kNull      // the NULL logical type: every value is null
)

// leafConv is the conversion plan for one leaf column.
type leafConv struct {
	kind  leafKind
	scale int32         // kDecimal
	unit  time.Duration // kTimestamp, kTime
	utc   bool          // kTimestamp, kTime: isAdjustedToUTC
}

// planLeaf derives the conversion of a leaf column from its types.
func planLeaf(t parquet.Type) leafConv {
	if lt := t.LogicalType(); lt != nil {
		switch v := lt.Value.(type) {
		case *format.StringType, *format.EnumType:
			return leafConv{kind: kString}
		case *format.JsonType:
			return leafConv{kind: kJSON}
		case *format.DecimalType:
			return leafConv{kind: kDecimal, scale: v.Scale}
		case *format.DateType:
			return leafConv{kind: kDate}
		case *format.TimestampType:
			return leafConv{kind: kTimestamp, unit: unitOf(v.Unit), utc: v.IsAdjustedToUTC}
		case *format.TimeType:
			return leafConv{kind: kTime, unit: unitOf(v.Unit), utc: v.IsAdjustedToUTC}
		case *format.IntType:
			if !v.IsSigned {
				if v.BitWidth == 64 {
					return leafConv{kind: kUint64}
				}
				return leafConv{kind: kUint32}
			}
		case *format.UUIDType:
			if t.Kind() == parquet.FixedLenByteArray && t.Length() == 16 {
				return leafConv{kind: kUUID}
			}
		case *format.Float16Type:
			if t.Kind() == parquet.FixedLenByteArray && t.Length() == 2 {
				return leafConv{kind: kFloat16}
			}
		case *format.NullType:
			return leafConv{kind: kNull}
		}
	}
	switch t.Kind() {
	case parquet.Boolean:
		return leafConv{kind: kBool}
	case parquet.Int32:
		return leafConv{kind: kInt32}
	case parquet.Int64:
		return leafConv{kind: kInt64}
	case parquet.Int96:
		return leafConv{kind: kInt96}
	case parquet.Float:
		return leafConv{kind: kFloat}
	case parquet.Double:
		return leafConv{kind: kDouble}
	}
	return leafConv{kind: kBinary}
}

// unitOf returns the duration of one tick of a time unit.
func unitOf(u format.TimeUnit) time.Duration {
	switch u.Value.(type) {
	case *format.MilliSeconds:
		return time.Millisecond
	case *format.NanoSeconds:
		return time.Nanosecond
	}
	return time.Microsecond
}

// Layouts of dates and times. A timestamp adjusted to UTC is RFC 3339 with
// a "Z"; one that is not (a wall-clock time, as DuckDB's TIMESTAMP) has no
// zone. Fractions of a second appear only when non-zero, without trailing
// zeros.
const (
	dateLayout     = "2006-01-02"
	localTSLayout  = "2006-01-02T15:04:05.999999999"
	utcTSLayout    = "2006-01-02T15:04:05.999999999Z"
	timeLayout     = "15:04:05.999999999"
	julianUnixDay  = 2440588 // Julian day number of 1970-01-01, for INT96
	nanosPerSecond = int64(time.Second)
)

// appendText appends the natural text of a non-null value of this column.
// jsonOut selects the form embedded in nested JSON: strings quoted, numbers
// bare, NaN and infinities quoted (JSON has no literal for them).
func (c leafConv) appendText(b []byte, v parquet.Value, jsonOut bool) []byte {
	switch c.kind {
	case kBool:
		return strconv.AppendBool(b, v.Boolean())
	case kInt32:
		return strconv.AppendInt(b, int64(v.Int32()), 10)
	case kInt64:
		return strconv.AppendInt(b, v.Int64(), 10)
	case kUint32:
		return strconv.AppendUint(b, uint64(v.Uint32()), 10)
	case kUint64:
		return strconv.AppendUint(b, v.Uint64(), 10)
	case kFloat:
		return appendFloat(b, float64(v.Float()), 32, jsonOut)
	case kDouble:
		return appendFloat(b, v.Double(), 64, jsonOut)
	case kFloat16:
		return appendFloat(b, float64(half(v.ByteArray())), 32, jsonOut)
	case kDecimal:
		return appendDecimal(b, v, c.scale)
	case kNull:
		return append(b, "null"...)
	}
	// The rest are text; in JSON they are strings.
	if !jsonOut {
		return c.appendPlain(b, v)
	}
	if c.kind == kJSON && json.Valid(v.ByteArray()) {
		return append(b, v.ByteArray()...)
	}
	return appendJSONString(b, c.appendPlain(nil, v))
}

// appendPlain appends the text of a string-like value.
func (c leafConv) appendPlain(b []byte, v parquet.Value) []byte {
	switch c.kind {
	case kString, kJSON:
		return append(b, v.ByteArray()...)
	case kDate:
		return time.Unix(int64(v.Int32())*86400, 0).UTC().AppendFormat(b, dateLayout)
	case kTimestamp:
		return appendTime(b, unixTime(v.Int64(), c.unit), c.utc, localTSLayout, utcTSLayout)
	case kTime:
		ticks := int64(v.Int32())
		if v.Kind() == parquet.Int64 {
			ticks = v.Int64()
		}
		t := time.Unix(0, 0).UTC().Add(time.Duration(ticks) * c.unit)
		b = t.AppendFormat(b, timeLayout)
		if c.utc {
			b = append(b, 'Z')
		}
		return b
	case kInt96:
		i := v.Int96()
		nanos := int64(uint64(i[1])<<32 | uint64(i[0]))
		days := int64(i[2]) - julianUnixDay
		t := time.Unix(days*86400, 0).UTC().Add(time.Duration(nanos))
		return t.AppendFormat(b, localTSLayout)
	case kUUID:
		u := v.ByteArray()
		if len(u) != 16 {
			return base64.StdEncoding.AppendEncode(b, u)
		}
		var s [36]byte
		hexEncode(s[0:8], u[0:4])
		s[8] = '-'
		hexEncode(s[9:13], u[4:6])
		s[13] = '-'
		hexEncode(s[14:18], u[6:8])
		s[18] = '-'
		hexEncode(s[19:23], u[8:10])
		s[23] = '-'
		hexEncode(s[24:36], u[10:16])
		return append(b, s[:]...)
	}
	raw := v.ByteArray()
	if utf8.Valid(raw) {
		return append(b, raw...)
	}
	return base64.StdEncoding.AppendEncode(b, raw)
}

// unixTime converts ticks of unit since the epoch to a time, saturating
// rather than overflowing for values beyond what time.Duration holds.
