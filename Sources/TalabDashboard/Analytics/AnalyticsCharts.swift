import Foundation

/// Charts drawn on the server as SVG (no script, readable on a phone: they scale to the width),
/// mirrored for right-to-left pages: time runs from the right in Arabic, bars grow from the right.
/// Inside a chart, positions and anchors are visual (`direction="ltr"` on the SVG, whatever the
/// page's direction), so mirroring is done here, once.
/// Every text is escaped; the numbers are also in the table beside each chart.
enum AnalyticsCharts {
    static func escape(_ text: String) -> String {
        var output = ""
        HTML.escape(text, into: &output)
        return output
    }

    static func number(_ value: Double) -> String { String(format: "%.1f", value) }

    /// A line of `values` over time (oldest first), labelled at both ends and its highest point.
    static func line(_ values: [Double], first: String, last: String, top: String, label: String, rtl: Bool) -> String {
        let width = 640.0
        let height = 180.0
        let pad = 24.0
        let highest = max(values.max() ?? 0, 1)
        let step = values.count > 1 ? (width - 2 * pad) / Double(values.count - 1) : 0
        let points = values.enumerated().map { index, value -> String in
            var x = pad + Double(index) * step
            if rtl { x = width - x }
            let y = height - pad - (value / highest) * (height - 2 * pad)
            return "\(number(x)),\(number(y))"
        }
        let (left, right) = rtl ? (last, first) : (first, last)
        return """
            <svg class="chart line" direction="ltr" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="\(escape(label))">\
            <line x1="\(pad)" y1="\(height - pad)" x2="\(width - pad)" y2="\(height - pad)" class="axis"/>\
            <polyline points="\(points.joined(separator: " "))" class="series"/>\
            <text x="\(pad)" y="\(height - 6)" class="tick">\(escape(left))</text>\
            <text x="\(width - pad)" y="\(height - 6)" text-anchor="end" class="tick">\(escape(right))</text>\
            <text x="\(rtl ? width - pad : pad)" y="14" text-anchor="\(rtl ? "end" : "start")" class="tick">\(escape(top))</text>\
            </svg>
            """
    }

    /// Horizontal bars, one per row: its label, its bar, its value shown.
    static func bars(_ rows: [(label: String, value: Double, shown: String)], label: String, rtl: Bool) -> String {
        let width = 640.0
        let row = 26.0
        let labelWidth = 200.0
        let valueWidth = 90.0
        let height = max(Double(rows.count) * row, row)
        let highest = max(rows.map(\.value).max() ?? 0, 1)
        var svg = """
            <svg class="chart bars" direction="ltr" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="\(escape(label))">
            """
        for (index, entry) in rows.enumerated() {
            let y = Double(index) * row
            let length = (entry.value / highest) * (width - labelWidth - valueWidth)
            let barX = rtl ? width - labelWidth - length : labelWidth
            let labelX = rtl ? width - 4 : labelWidth - 6
            let valueX = rtl ? barX - 6 : labelWidth + length + 6
            svg += """
                <text x="\(number(labelX))" y="\(number(y + 17))" text-anchor="end" \
                class="name">\(escape(String(entry.label.prefix(28))))</text>\
                <rect x="\(number(barX))" y="\(number(y + 5))" width="\(number(max(length, 1)))" height="16" rx="3" class="bar"/>\
                <text x="\(number(valueX))" y="\(number(y + 17))" text-anchor="\(rtl ? "end" : "start")" \
                class="value">\(escape(entry.shown))</text>
                """
        }
        return svg + "</svg>"
    }

    /// Orders by weekday (rows, Monday first) and hour (columns), darker where busier.
    static func heat(_ grid: [[Int]], days: [String], label: String, rtl: Bool) -> String {
        let cell = 22.0
        let left = 44.0
        let width = left + 24 * cell + 4
        let height = 7 * cell + 20
        let highest = max(grid.joined().max() ?? 0, 1)
        var svg = """
            <svg class="chart heat" direction="ltr" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="\(escape(label))">
            """
        for (day, hours) in grid.enumerated() {
            let y = Double(day) * cell
            let nameX = rtl ? width - 4 : left - 6
            svg += """
                <text x="\(number(nameX))" y="\(number(y + 15))" text-anchor="end" class="name">\(escape(days[day]))</text>
                """
            for (hour, count) in hours.enumerated() {
                let column = rtl ? 23 - hour : hour
                let x = (rtl ? 4 : left) + Double(column) * cell
                let shade = count == 0 ? 0.04 : 0.15 + 0.85 * Double(count) / Double(highest)
                svg += """
                    <rect x="\(number(x))" y="\(number(y + 2))" width="\(cell - 3)" height="\(cell - 3)" rx="3" \
                    class="cell" fill-opacity="\(String(format: "%.2f", shade))"><title>\(escape(days[day])) \
                    \(hour):00 — \(count)</title></rect>
                    """
            }
        }
        for hour in stride(from: 0, to: 24, by: 3) {
            let column = rtl ? 23 - hour : hour
            let x = (rtl ? 4 : left) + Double(column) * cell + cell / 2
            svg += """
                <text x="\(number(x))" y="\(number(7 * cell + 16))" text-anchor="middle" class="tick">\(hour)</text>
                """
        }
        return svg + "</svg>"
    }
}
