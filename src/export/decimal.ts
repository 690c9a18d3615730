/**
 * A number in plain decimal notation, never exponent form (`1e-7` is not a valid `xsd:decimal`
 * for GPX/KML, and WiGLE's importer expects plain numbers); "" for NaN or ±Infinity.
 *
 * @example
 * ```ts
 * decimal(1.5e-7); // "0.00000015"
 * ```
 */
export function decimal(n: number): string {
  if (!Number.isFinite(n)) return "";
  const text = String(n);
  const e = text.indexOf("e");
  if (e < 0) return text;
  const sign = n < 0 ? "-" : "";
  const mantissa = text.slice(sign.length, e);
  const digits = mantissa.replace(".", "");
  const dot = mantissa.includes(".") ? mantissa.indexOf(".") : mantissa.length;
  const point = dot + Number(text.slice(e + 1));
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
