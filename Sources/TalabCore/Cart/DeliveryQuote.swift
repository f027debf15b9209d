public import Foundation

/// What delivering an order costs and whether it may be delivered: the branch's distance bands,
/// its service radius and its minimum order.
public struct DeliveryQuote: Sendable, Equatable {
    public enum Refusal: Sendable, Equatable {
        /// Farther than the branch delivers: the distance and the radius, in km.
        case outsideRadius(distanceKm: Decimal, radiusKm: Decimal)
        /// Below the branch's minimum order.
        case belowMinimum(minimum: Money)
    }

    public let subtotal: Money
    public let fee: Money
    public let total: Money
    public let distanceKm: Decimal?
    public let refusals: [Refusal]

    public var isAllowed: Bool { refusals.isEmpty }

    /// Prices a delivery of `subtotal` over `distanceKm` (nil when no location was shared yet).
    public static func make(
        subtotal: Money,
        distanceKm: Decimal?,
        rules: [DeliveryFeeRule],
        radiusKm: Decimal?,
        minimumOrder: Decimal?
    ) -> DeliveryQuote {
        var refusals: [Refusal] = []
        if let minimumOrder, subtotal.amount < minimumOrder {
            refusals.append(.belowMinimum(minimum: Money(minimumOrder, subtotal.currency)))
        }
        var fee = Decimal(0)
        if let distanceKm {
            if let radiusKm, distanceKm > radiusKm {
                refusals.append(.outsideRadius(distanceKm: distanceKm, radiusKm: radiusKm))
            }
            // The first band that reaches the distance; past the last band, the last band's fee.
            let bands = rules.sorted { $0.upToKm < $1.upToKm }
            fee = (bands.first { distanceKm <= $0.upToKm } ?? bands.last)?.fee ?? 0
        }
        let feeMoney = Money(fee, subtotal.currency)
        return DeliveryQuote(
            subtotal: subtotal,
            fee: feeMoney,
            total: subtotal + feeMoney,
            distanceKm: distanceKm,
            refusals: refusals
        )
    }

    /// The great-circle distance between two points, in km, rounded to 0.01.
    public static func distanceKm(
        from a: (latitude: Double, longitude: Double),
        to b: (latitude: Double, longitude: Double)
    ) -> Decimal {
        let radius = 6371.0088
        let toRadians = Double.pi / 180
        let dLat = (b.latitude - a.latitude) * toRadians
        let dLon = (b.longitude - a.longitude) * toRadians
        let h =
            sin(dLat / 2) * sin(dLat / 2)
            + cos(a.latitude * toRadians) * cos(b.latitude * toRadians) * sin(dLon / 2) * sin(dLon / 2)
        let km = 2 * radius * asin(min(1, sqrt(h)))
        return Decimal((km * 100).rounded()) / 100
    }
}
