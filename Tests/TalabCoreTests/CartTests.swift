import Foundation
import TalabCore
import Testing

@Suite struct MoneyTests {
    @Test(arguments: [
        (Decimal(string: "4.5")!, "USD", "$4.50"), (Decimal(450_000), "LBP", "450,000 LBP"),
        (Decimal(string: "1234567.891")!, "USD", "$1,234,567.89"), (Decimal(12), "EUR", "12.00 EUR"),
        (Decimal(string: "0.005")!, "USD", "$0.01"), (Decimal(-3), "USD", "-$3.00"),
    ])
    func amountsAreWrittenTheWayCustomersReadThem(amount: Decimal, currency: String, text: String) {
        #expect(Money(amount, currency).description == text)
    }
}

@Suite struct CartTests {
    static let shawarma = Cart.Line(
        itemKey: "chicken-shawarma",
        name: "Chicken Shawarma",
        unitPrice: Decimal(string: "4.50")!,
        quantity: 2,
        options: [Cart.Option(key: "large", name: "Large", priceDelta: Decimal(string: "1.50")!)]
    )

    @Test func linesWithOptionsAddUpExactly() {
        var cart = Cart(currency: "USD")
        cart.add(CartTests.shawarma)
        cart.add(Cart.Line(itemKey: "hummus", name: "Hummus", unitPrice: Decimal(string: "0.10")!, quantity: 1))
        cart.add(Cart.Line(itemKey: "hummus", name: "Hummus", unitPrice: Decimal(string: "0.10")!, quantity: 2))
        cart.add(Cart.Line(itemKey: "tabbouleh", name: "Tabbouleh", unitPrice: Decimal(string: "0.20")!, quantity: 1))
        #expect(cart.lines.count == 3)
        // 2 × (4.50 + 1.50) + 3 × 0.10 + 0.20, exactly: no 0.1 + 0.2 surprises.
        #expect(cart.subtotal == Money(Decimal(string: "12.50")!, "USD"))
        cart.remove(itemKey: "hummus", quantity: 2)
        #expect(cart.lines.first { $0.itemKey == "hummus" }?.quantity == 1)
        cart.remove(itemKey: "tabbouleh")
        #expect(cart.subtotal.description == "$12.10")
    }

    @Test func deliveryIsPricedByDistanceBandAndRefusedOutsideTheRadiusOrBelowTheMinimum() {
        let rules = [
            DeliveryFeeRule(upToKm: 2, fee: Decimal(string: "1.00")!),
            DeliveryFeeRule(upToKm: 5, fee: Decimal(string: "2.50")!),
        ]
        let subtotal = Money(Decimal(string: "12.00")!, "USD")
        let near = DeliveryQuote.make(subtotal: subtotal, distanceKm: 1.2, rules: rules, radiusKm: 5, minimumOrder: 10)
        #expect(near.isAllowed && near.fee.description == "$1.00" && near.total.description == "$13.00")
        let farther = DeliveryQuote.make(subtotal: subtotal, distanceKm: 3, rules: rules, radiusKm: 5, minimumOrder: 10)
        #expect(farther.fee.description == "$2.50")
        let outside = DeliveryQuote.make(
            subtotal: subtotal,
            distanceKm: 7.5,
            rules: rules,
            radiusKm: 5,
            minimumOrder: 10
        )
        #expect(outside.refusals == [.outsideRadius(distanceKm: 7.5, radiusKm: 5)])
        let small = DeliveryQuote.make(
            subtotal: Money(8, "USD"),
            distanceKm: 1,
            rules: rules,
            radiusKm: 5,
            minimumOrder: 10
        )
        #expect(small.refusals == [.belowMinimum(minimum: Money(10, "USD"))])
    }

    @Test func distancesAreGreatCircleKilometres() {
        // Hamra to Achrafieh (Sassine), about 3.3 km as the crow flies.
        let km = DeliveryQuote.distanceKm(from: (33.8966, 35.4823), to: (33.8868, 35.5186))
        #expect(km > 3.2 && km < 3.6, "\(km)")
        #expect(DeliveryQuote.distanceKm(from: (33.9, 35.5), to: (33.9, 35.5)) == 0)
    }
}
