import BRCParse
import BRCSyntax
import XCTest

final class ExpressionTests: XCTestCase {
    func testPrecedence() throws {
        let e = try ExpressionParser.parse("-x^2 + a*b/c").get()
        XCTAssertEqual(e.description, "-x^2 + a * b / c")
        XCTAssertEqual(e, .binary(.add, .unary(.neg, .binary(.pow, .variable("x"), .number(2))),
                                  .binary(.div, .binary(.mul, .variable("a"), .variable("b")), .variable("c"))))
    }
}
