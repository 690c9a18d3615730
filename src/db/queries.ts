/**
 * The queries the application runs against its tables, by name, so `db indexes` can show
 * which index serves each one (the guide's index analysis). Parameters are `?`.
 */
export const APP_QUERIES: readonly { name: string; sql: string }[] = [
  { name: "wifi network by BSSID", sql: "SELECT * FROM wifi_networks WHERE bssid = ?" },
  { name: "wifi networks by SSID", sql: "SELECT * FROM wifi_networks WHERE ssid = ?" },
  {
    name: "wifi networks seen since",
    sql: "SELECT * FROM wifi_networks WHERE last_seen >= ? ORDER BY last_seen",
  },
  {
    name: "wifi networks in an area",
    sql: "SELECT * FROM wifi_networks WHERE gps_lat BETWEEN ? AND ? AND gps_lon BETWEEN ? AND ?",
  },
  { name: "wifi networks by vendor", sql: "SELECT * FROM wifi_networks WHERE vendor = ?" },
  { name: "bluetooth device by address", sql: "SELECT * FROM bluetooth_devices WHERE address = ?" },
  { name: "bluetooth devices by name", sql: "SELECT * FROM bluetooth_devices WHERE name = ?" },
  {
    name: "bluetooth devices seen since",
    sql: "SELECT * FROM bluetooth_devices WHERE last_seen >= ? ORDER BY last_seen",
  },
  {
    name: "bluetooth devices in an area",
    sql:
      "SELECT * FROM bluetooth_devices WHERE gps_lat BETWEEN ? AND ? AND gps_lon BETWEEN ? AND ?",
  },
  {
    name: "health records in a period",
    sql: "SELECT * FROM health_records WHERE timestamp BETWEEN ? AND ? ORDER BY timestamp",
  },
  { name: "configuration value", sql: "SELECT value, type FROM configuration WHERE key = ?" },
  {
    name: "export: wifi sightings in a period",
    sql:
      "SELECT * FROM wifi_sightings AS s JOIN wifi_networks AS n ON n.id = s.network_id WHERE s.seen_at >= ? AND s.seen_at < ? ORDER BY s.seen_at, s.id",
  },
  {
    name: "export: bluetooth sightings in a period",
    sql:
      "SELECT * FROM bluetooth_sightings AS s JOIN bluetooth_devices AS d ON d.id = s.device_id WHERE s.seen_at >= ? AND s.seen_at < ? ORDER BY s.seen_at, s.id",
  },
  {
    name: "export: the GPS track in a period",
    sql:
      "SELECT * FROM gps_track WHERE mode >= 2 AND lat IS NOT NULL AND system_time >= ? AND system_time < ? ORDER BY system_time, id",
  },
  {
    name: "history of one network",
    sql: "SELECT * FROM wifi_sightings WHERE network_id = ? ORDER BY seen_at",
  },
  {
    name: "history of one device",
    sql: "SELECT * FROM bluetooth_sightings WHERE device_id = ? ORDER BY seen_at",
  },
];
