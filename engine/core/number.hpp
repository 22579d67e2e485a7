#pragma once
// Locale-independent number parsing shared by the unit, quantity and table
// readers: '.' is the decimal separator whatever the C locale says.
#include <optional>
#include <string_view>

namespace exvivo {

/// The double written in `text` (surrounding spaces ignored), or nullopt when
/// the whole text is not one number. Accepts decimal and scientific notation
/// with an optional sign ("-1.5e-3", "+2", ".5", "5."), and — so that written
/// tables read back — "nan", "NaN", "inf", "Inf", "-Inf", "infinity" in any
/// case. Out-of-range literals ("1e999") give ±inf; callers that need finite
/// values check std::isfinite. Hexadecimal and digit separators are rejected.
std::optional<double> parse_double(std::string_view text);

/// Length of the longest prefix of `text` that is a decimal or scientific
/// literal (optional sign, digits, '.', exponent), 0 when there is none.
/// "nan"/"inf" are not matched. Used to split "10ng/mL" into number and unit.
std::size_t numeric_prefix_length(std::string_view text);

}  // namespace exvivo
