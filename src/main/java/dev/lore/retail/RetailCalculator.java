package dev.lore.retail;

import dev.lore.agent.AgentTool.ToolException;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * tau2's {@code calculate}: {@code str(round(float(eval(expression)), 2))} for arithmetic on numbers with
 * {@code + - * / // ** ( )}, evaluated like Python (exact integers, true division, unary minus below {@code **}),
 * printed like Python's {@code repr(float)}.
 */
public final class RetailCalculator {

    private RetailCalculator() {}

    private static final String ALLOWED = "0123456789+-*/(). ";
    private static final int MAX_INT_EXPONENT = 10_000;

    public static String calculate(String expression) throws ToolException {
        for (int k = 0; k < expression.length(); k++) {
            if (ALLOWED.indexOf(expression.charAt(k)) < 0) throw new ToolException("Invalid characters in expression");
        }
        Parser p = new Parser(expression);
        Object v = p.expr();
        p.skip();
        if (p.pos != p.s.length()) throw new ToolException("invalid syntax");
        return pyRepr(RetailStore.round2(toDouble(v)));
    }

    /** Python's {@code repr(float)}. */
    static String pyRepr(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        double a = Math.abs(d);
        BigDecimal b = new BigDecimal(Double.toString(d));
        if (a >= 1e-4 && a < 1e16) {
            String s = b.toPlainString();
            return s.contains(".") ? s : s + ".0";
        }
        b = b.stripTrailingZeros();
        String digits = b.unscaledValue().abs().toString();
        int exp = digits.length() - 1 - b.scale();
        String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return (d < 0 ? "-" : "") + mant + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
    }

    private static double toDouble(Object v) throws ToolException {
        if (v instanceof BigInteger i) {
            double d = i.doubleValue();
            if (Double.isInfinite(d)) throw new ToolException("int too large to convert to float");
            return d;
        }
        return (Double) v;
    }

    private static final class Parser {
        final String s;
        int pos;

        Parser(String s) {
            this.s = s;
        }

        void skip() {
            while (pos < s.length() && s.charAt(pos) == ' ') pos++;
        }

        boolean eat(String op) {
            skip();
            if (s.startsWith(op, pos)) {
                // '*' must not take the first half of '**', '/' not of '//'
                if ((op.equals("*") && s.startsWith("**", pos)) || (op.equals("/") && s.startsWith("//", pos))) return false;
                pos += op.length();
                return true;
            }
            return false;
        }

        Object expr() throws ToolException {
            Object v = term();
            while (true) {
                if (eat("+")) v = add(v, term(), 1);
                else if (eat("-")) v = add(v, term(), -1);
                else return v;
            }
        }

        Object term() throws ToolException {
            Object v = unary();
            while (true) {
                if (eat("*")) v = mul(v, unary());
                else if (eat("//")) v = floorDiv(v, unary());
                else if (eat("/")) v = div(v, unary());
                else return v;
            }
        }

        Object unary() throws ToolException {
            if (eat("-")) return neg(unary());
            if (eat("+")) return unary();
            return power();
        }

        Object power() throws ToolException {
            Object base = atom();
            if (eat("**")) return pow(base, unary());
            return base;
        }

        Object atom() throws ToolException {
            skip();
            if (eat("(")) {
                Object v = expr();
                if (!eat(")")) throw new ToolException("invalid syntax");
                return v;
            }
            int start = pos;
            while (pos < s.length() && (Character.isDigit(s.charAt(pos)) || s.charAt(pos) == '.')) pos++;
            String num = s.substring(start, pos);
            if (num.isEmpty() || num.equals(".") || num.indexOf('.') != num.lastIndexOf('.')) throw new ToolException("invalid syntax");
            if (num.indexOf('.') < 0) {
                if (num.length() > 1 && num.charAt(0) == '0' && !num.chars().allMatch(ch -> ch == '0')) {
                    throw new ToolException("leading zeros in decimal integer literals are not permitted");
                }
                return new BigInteger(num);
            }
            return Double.parseDouble(num);
        }

        static Object neg(Object v) {
            return v instanceof BigInteger i ? i.negate() : -(Double) v;
        }

        static Object add(Object a, Object b, int sign) throws ToolException {
            if (a instanceof BigInteger x && b instanceof BigInteger y) return sign > 0 ? x.add(y) : x.subtract(y);
            return sign > 0 ? toDouble(a) + toDouble(b) : toDouble(a) - toDouble(b);
        }

        static Object mul(Object a, Object b) throws ToolException {
            if (a instanceof BigInteger x && b instanceof BigInteger y) return x.multiply(y);
            return toDouble(a) * toDouble(b);
        }

        static Object div(Object a, Object b) throws ToolException {
            if (isZero(b)) throw new ToolException("division by zero");
            if (a instanceof BigInteger x && b instanceof BigInteger y) {
                return new BigDecimal(x).divide(new BigDecimal(y), java.math.MathContext.DECIMAL128).doubleValue();
            }
            return toDouble(a) / toDouble(b);
        }

        static Object floorDiv(Object a, Object b) throws ToolException {
            if (isZero(b)) throw new ToolException("division by zero");
            if (a instanceof BigInteger x && b instanceof BigInteger y) {
                BigInteger[] qr = x.divideAndRemainder(y);
                return qr[1].signum() != 0 && (qr[1].signum() != y.signum()) ? qr[0].subtract(BigInteger.ONE) : qr[0];
            }
            return Math.floor(toDouble(a) / toDouble(b));
        }

        static Object pow(Object a, Object b) throws ToolException {
            if (a instanceof BigInteger x && b instanceof BigInteger y && y.signum() >= 0) {
                if (y.compareTo(BigInteger.valueOf(MAX_INT_EXPONENT)) > 0) throw new ToolException("exponent too large");
                return x.pow(y.intValue());
            }
            double base = toDouble(a), exp = toDouble(b);
            if (base == 0 && exp < 0) throw new ToolException("0.0 cannot be raised to a negative power");
            double r = Math.pow(base, exp);
            if (Double.isNaN(r)) throw new ToolException("complex result is not supported");
            return r;
        }

        static boolean isZero(Object v) {
            return v instanceof BigInteger i ? i.signum() == 0 : (Double) v == 0.0;
        }
    }
}
