//! Coordinate conversion: Ordnance Survey National Grid (OSGB36) eastings/northings to WGS84
//! latitude/longitude, and great-circle distance between two positions.
//! Pure arithmetic, no I/O; it must never read files, log or know about stations.
//!
//! Every constant and formula follows Ordnance Survey, "A guide to coordinate systems in Great
//! Britain" (v3.6): Table 1 (ellipsoids), Table 2 (National Grid projection), section 6.6 /
//! Table 4 (Helmert transform) and annexes B, C (cartesian conversion, transverse Mercator).

/// A position on the WGS84 datum, in decimal degrees (north and east positive).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatLon {
    /// Latitude in degrees, positive north.
    pub lat: f64,
    /// Longitude in degrees, positive east.
    pub lon: f64,
}

// Airy 1830 ellipsoid, the OSGB36 datum's (OS guide, Table 1).
/// Semi-major axis of the Airy 1830 ellipsoid, metres (OS guide, Table 1).
pub const AIRY1830_A: f64 = 6_377_563.396;
/// Semi-minor axis of the Airy 1830 ellipsoid, metres (OS guide, Table 1).
pub const AIRY1830_B: f64 = 6_356_256.909;

/// Semi-major axis of the GRS80 ellipsoid (WGS84 to well under a millimetre), metres (OS guide, Table 1).
pub const GRS80_A: f64 = 6_378_137.000;
/// Semi-minor axis of the GRS80 ellipsoid, metres (OS guide, Table 1).
pub const GRS80_B: f64 = 6_356_752.314_1;

/// Scale factor on the central meridian of the National Grid (OS guide, Table 2).
pub const NATGRID_F0: f64 = 0.999_601_271_7;
/// Latitude of the National Grid's true origin, degrees north (OS guide, Table 2).
pub const NATGRID_LAT0_DEG: f64 = 49.0;
/// Longitude of the National Grid's true origin, degrees east (2°W) (OS guide, Table 2).
pub const NATGRID_LON0_DEG: f64 = -2.0;
/// Easting of the National Grid's true origin, metres (OS guide, Table 2).
pub const NATGRID_E0: f64 = 400_000.0;
/// Northing of the National Grid's true origin, metres (OS guide, Table 2).
pub const NATGRID_N0: f64 = -100_000.0;

// The OS guide (section 6.6, Table 4) publishes the Helmert parameters for WGS84 -> OSGB36 with
// these signs; OSGB36 -> WGS84 is the same transform with every parameter negated, which is what
// `osgb36_to_wgs84` does. Small-angle Helmert: inverting by negation costs far less than the
// transform's own ~5 m accuracy.
/// Helmert X translation WGS84 -> OSGB36, metres (OS guide, Table 4).
pub const HELMERT_WGS84_TO_OSGB36_TX: f64 = -446.448;
/// Helmert Y translation WGS84 -> OSGB36, metres (OS guide, Table 4).
pub const HELMERT_WGS84_TO_OSGB36_TY: f64 = 125.157;
/// Helmert Z translation WGS84 -> OSGB36, metres (OS guide, Table 4).
pub const HELMERT_WGS84_TO_OSGB36_TZ: f64 = -542.060;
/// Helmert scale change WGS84 -> OSGB36, parts per million (OS guide, Table 4).
pub const HELMERT_WGS84_TO_OSGB36_S_PPM: f64 = 20.4894;
/// Helmert rotation about X WGS84 -> OSGB36, arc-seconds (OS guide, Table 4).
pub const HELMERT_WGS84_TO_OSGB36_RX_SEC: f64 = -0.1502;
/// Helmert rotation about Y WGS84 -> OSGB36, arc-seconds (OS guide, Table 4).
pub const HELMERT_WGS84_TO_OSGB36_RY_SEC: f64 = -0.2470;
/// Helmert rotation about Z WGS84 -> OSGB36, arc-seconds (OS guide, Table 4).
pub const HELMERT_WGS84_TO_OSGB36_RZ_SEC: f64 = -0.8421;

/// Mean Earth radius (IUGG), kilometres, for great-circle distances.
pub const EARTH_MEAN_RADIUS_KM: f64 = 6371.0088;

/// Converts a National Grid easting/northing (metres, OSGB36) to WGS84 latitude/longitude.
pub fn osgb36_to_wgs84(easting: f64, northing: f64) -> LatLon {
    let (lat, lon) = tm_inverse_osgb36(easting, northing);
    // NaPTAN gives no heights; ellipsoid height 0 moves the result by well under a metre.
    let xyz = to_cartesian(lat, lon, 0.0, AIRY1830_A, AIRY1830_B);
    let xyz = helmert(
        xyz,
        Helmert {
            tx: -HELMERT_WGS84_TO_OSGB36_TX,
            ty: -HELMERT_WGS84_TO_OSGB36_TY,
            tz: -HELMERT_WGS84_TO_OSGB36_TZ,
            s_ppm: -HELMERT_WGS84_TO_OSGB36_S_PPM,
            rx_sec: -HELMERT_WGS84_TO_OSGB36_RX_SEC,
            ry_sec: -HELMERT_WGS84_TO_OSGB36_RY_SEC,
            rz_sec: -HELMERT_WGS84_TO_OSGB36_RZ_SEC,
        },
    );
    let (lat, lon) = from_cartesian(xyz, GRS80_A, GRS80_B);
    LatLon {
        lat: lat.to_degrees(),
        lon: lon.to_degrees(),
    }
}

/// Great-circle distance between two WGS84 positions in kilometres (haversine, mean radius).
pub fn haversine_km(a: LatLon, b: LatLon) -> f64 {
    let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    // min() guards asin against rounding just above 1 for antipodal points.
    2.0 * EARTH_MEAN_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// Meridional arc M from the true origin's latitude to `lat` (OS guide, annex C, equation C3).
fn meridional_arc(lat: f64, lat0: f64) -> f64 {
    let (a, b) = (AIRY1830_A, AIRY1830_B);
    let n = (a - b) / (a + b);
    let (n2, n3) = (n * n, n * n * n);
    let (d, s) = (lat - lat0, lat + lat0);
    b * NATGRID_F0
        * ((1.0 + n + 1.25 * n2 + 1.25 * n3) * d
            - (3.0 * n + 3.0 * n2 + 21.0 / 8.0 * n3) * d.sin() * s.cos()
            + (15.0 / 8.0 * n2 + 15.0 / 8.0 * n3) * (2.0 * d).sin() * (2.0 * s).cos()
            - 35.0 / 24.0 * n3 * (3.0 * d).sin() * (3.0 * s).cos())
}

/// Transverse Mercator inverse on Airy 1830 (OS guide, annex C): National Grid easting/northing
/// to OSGB36 latitude/longitude, in radians.
fn tm_inverse_osgb36(easting: f64, northing: f64) -> (f64, f64) {
    let (a, b, f0) = (AIRY1830_A, AIRY1830_B, NATGRID_F0);
    let e2 = (a * a - b * b) / (a * a);
    let lat0 = NATGRID_LAT0_DEG.to_radians();
    let lon0 = NATGRID_LON0_DEG.to_radians();

    // Iterate the footpoint latitude until the arc matches the northing to 0.01 mm (annex C, C6).
    let mut lat = (northing - NATGRID_N0) / (a * f0) + lat0;
    let mut m = meridional_arc(lat, lat0);
    // The series converges in a handful of steps; the cap only stops a NaN input looping forever.
    for _ in 0..100 {
        if (northing - NATGRID_N0 - m).abs() < 1e-5 {
            break;
        }
        lat += (northing - NATGRID_N0 - m) / (a * f0);
        m = meridional_arc(lat, lat0);
    }

    let sin2 = lat.sin().powi(2);
    let nu = a * f0 / (1.0 - e2 * sin2).sqrt();
    let rho = a * f0 * (1.0 - e2) / (1.0 - e2 * sin2).powf(1.5);
    let eta2 = nu / rho - 1.0;
    let t = lat.tan();
    let (t2, t4, t6) = (t * t, t.powi(4), t.powi(6));
    let sec = 1.0 / lat.cos();

    let vii = t / (2.0 * rho * nu);
    let viii = t / (24.0 * rho * nu.powi(3)) * (5.0 + 3.0 * t2 + eta2 - 9.0 * t2 * eta2);
    let ix = t / (720.0 * rho * nu.powi(5)) * (61.0 + 90.0 * t2 + 45.0 * t4);
    let x = sec / nu;
    let xi = sec / (6.0 * nu.powi(3)) * (nu / rho + 2.0 * t2);
    let xii = sec / (120.0 * nu.powi(5)) * (5.0 + 28.0 * t2 + 24.0 * t4);
    let xiia = sec / (5040.0 * nu.powi(7)) * (61.0 + 662.0 * t2 + 1320.0 * t4 + 720.0 * t6);

    let de = easting - NATGRID_E0;
    let phi = lat - vii * de.powi(2) + viii * de.powi(4) - ix * de.powi(6);
    let lambda = lon0 + x * de - xi * de.powi(3) + xii * de.powi(5) - xiia * de.powi(7);
    (phi, lambda)
}

/// Geodetic latitude/longitude (radians) and ellipsoid height to cartesian X, Y, Z (annex B1).
fn to_cartesian(lat: f64, lon: f64, height: f64, a: f64, b: f64) -> [f64; 3] {
    let e2 = (a * a - b * b) / (a * a);
    let nu = a / (1.0 - e2 * lat.sin().powi(2)).sqrt();
    [
        (nu + height) * lat.cos() * lon.cos(),
        (nu + height) * lat.cos() * lon.sin(),
        ((1.0 - e2) * nu + height) * lat.sin(),
    ]
}

/// Cartesian X, Y, Z to geodetic latitude/longitude in radians, iterating latitude (annex B2).
fn from_cartesian([x, y, z]: [f64; 3], a: f64, b: f64) -> (f64, f64) {
    let e2 = (a * a - b * b) / (a * a);
    let p = x.hypot(y);
    let mut lat = (z / (p * (1.0 - e2))).atan();
    // Converges to far below a millimetre in a few steps; the cap only guards against NaN.
    for _ in 0..100 {
        let nu = a / (1.0 - e2 * lat.sin().powi(2)).sqrt();
        let next = ((z + e2 * nu * lat.sin()) / p).atan();
        let done = (next - lat).abs() < 1e-12;
        lat = next;
        if done {
            break;
        }
    }
    (lat, y.atan2(x))
}

/// Seven Helmert parameters in the OS guide's units (metres, ppm, arc-seconds).
struct Helmert {
    tx: f64,
    ty: f64,
    tz: f64,
    s_ppm: f64,
    rx_sec: f64,
    ry_sec: f64,
    rz_sec: f64,
}

/// Applies a small-angle 7-parameter Helmert transform (OS guide, section 6.2, equation 3).
fn helmert([x, y, z]: [f64; 3], h: Helmert) -> [f64; 3] {
    let sec = (1.0_f64 / 3600.0).to_radians();
    let (rx, ry, rz) = (h.rx_sec * sec, h.ry_sec * sec, h.rz_sec * sec);
    let s1 = 1.0 + h.s_ppm * 1e-6;
    [
        h.tx + s1 * x - rz * y + ry * z,
        h.ty + rz * x + s1 * y - rx * z,
        h.tz - ry * x + rx * y + s1 * z,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metres_between(a: LatLon, b: LatLon) -> f64 {
        haversine_km(a, b) * 1000.0
    }

    fn assert_within_100_m(easting: f64, northing: f64, lat: f64, lon: f64) {
        let got = osgb36_to_wgs84(easting, northing);
        let d = metres_between(got, LatLon { lat, lon });
        assert!(d < 100.0, "{got:?} is {d:.1} m from ({lat}, {lon})");
    }

    fn dms(deg: f64, min: f64, sec: f64) -> f64 {
        deg + min / 60.0 + sec / 3600.0
    }

    #[test]
    fn os_guide_worked_example_inverts_to_the_published_osgb36_lat_lon() {
        // OS guide annex C worked example: E 651409.903, N 313177.270.
        let (lat, lon) = tm_inverse_osgb36(651_409.903, 313_177.270);
        let (lat, lon) = (lat.to_degrees(), lon.to_degrees());
        assert!((lat - dms(52.0, 39.0, 27.2531)).abs() < 1e-6, "lat {lat}");
        assert!((lon - dms(1.0, 43.0, 4.5177)).abs() < 1e-6, "lon {lon}");
    }

    #[test]
    fn euston_converts_to_within_100_m() {
        // RailReferences.csv: "9100EUSTON","EUSTON","EUS", 529545, 182675.
        assert_within_100_m(529_545.0, 182_675.0, 51.5288, -0.1342);
    }

    #[test]
    fn manchester_piccadilly_converts_to_within_100_m() {
        // RailReferences.csv: "9100MNCRPIC","MNCRPIC","MAN", 384772, 397873.
        assert_within_100_m(384_772.0, 397_873.0, 53.4774, -2.2309);
    }

    #[test]
    fn edinburgh_converts_to_within_100_m() {
        // RailReferences.csv: "9100EDINBUR","EDINBUR","EDB", 325900, 673900 (rounded to 100 m).
        assert_within_100_m(325_900.0, 673_900.0, 55.9521, -3.1893);
    }

    #[test]
    fn penzance_converts_to_within_100_m() {
        // RailReferences.csv: "9100PENZNCE","PENZNCE","PNZ", 147588, 30599.
        assert_within_100_m(147_588.0, 30_599.0, 50.1216, -5.5326);
    }

    #[test]
    fn glasgow_central_converts_to_within_100_m() {
        // RailReferences.csv: "9100GLGC","GLGC","GLC", 258794, 665257.
        assert_within_100_m(258_794.0, 665_257.0, 55.8590, -4.2582);
    }

    #[test]
    fn cardiff_central_converts_to_within_100_m() {
        // RailReferences.csv: "9100CRDFCEN","CRDFCEN","CDF", 318194, 175889.
        assert_within_100_m(318_194.0, 175_889.0, 51.4760, -3.1792);
    }

    #[test]
    fn euston_to_manchester_piccadilly_is_about_259_km() {
        let eus = osgb36_to_wgs84(529_545.0, 182_675.0);
        let man = osgb36_to_wgs84(384_772.0, 397_873.0);
        let d = haversine_km(eus, man);
        assert!((d - 259.0).abs() < 2.0, "EUS-MAN {d:.2} km");
    }

    #[test]
    fn haversine_of_a_point_to_itself_is_zero_and_is_symmetric() {
        let a = LatLon {
            lat: 51.5,
            lon: -0.1,
        };
        let b = LatLon {
            lat: 55.9,
            lon: -3.2,
        };
        assert_eq!(haversine_km(a, a), 0.0);
        assert!((haversine_km(a, b) - haversine_km(b, a)).abs() < 1e-9);
    }

    #[test]
    fn one_degree_of_latitude_is_about_111_km() {
        let d = haversine_km(
            LatLon {
                lat: 50.0,
                lon: 0.0,
            },
            LatLon {
                lat: 51.0,
                lon: 0.0,
            },
        );
        assert!((d - 111.19).abs() < 0.05, "{d}");
    }
}
