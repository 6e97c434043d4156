"""Turn tokens into a syntax tree with a Pratt (precedence-climbing) parser."""

from __future__ import annotations

from calc import tokens as tk
from calc.errors import CalcError
from calc.grammar import INFIX, PREFIX_MINUS
from calc.nodes import BinOp, Call, Neg, Node, Num, Var


def parse(text: str) -> Node:
    """The syntax tree of the formula `text`. Raises CalcError for malformed formulas."""
    parser = _Parser(tk.tokenize(text))
    tree = parser.expression(0)
    parser.expect(tk.END, "end of formula")
    return tree


class _Parser:
    def __init__(self, tokens: list[tk.Token]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self) -> tk.Token:
        return self.tokens[self.index]

    def advance(self) -> tk.Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, kind: str, what: str) -> tk.Token:
        token = self.peek()
        if token.kind != kind:
            found = token.text or "end of formula"
            raise CalcError(f"expected {what}, found {found!r}", token.pos)
        return self.advance()

    def expression(self, min_bp: int) -> Node:
        left = self.prefix()
        while True:
            token = self.peek()
            if token.kind != tk.OP:
                break
            left_bp, right_bp = INFIX[token.text]
            if left_bp <= min_bp:
                break
            self.advance()
            left = BinOp(token.text, left, self.expression(right_bp))
        return left

    def prefix(self) -> Node:
        token = self.advance()
        if token.kind == tk.NUMBER:
            text = token.text
            return Num(float(text) if "." in text else int(text))
        if token.kind == tk.NAME:
            if self.peek().kind == tk.LPAREN:
                return self.call(token.text)
            return Var(token.text)
        if token.kind == tk.OP and token.text == "-":
            return Neg(self.expression(PREFIX_MINUS))
        if token.kind == tk.LPAREN:
            inner = self.expression(0)
            self.expect(tk.RPAREN, "')'")
            return inner
        found = token.text or "end of formula"
        raise CalcError(f"expected a number, a name or '(', found {found!r}", token.pos)

    def call(self, name: str) -> Node:
        self.expect(tk.LPAREN, "'('")
        args: list[Node] = []
        if self.peek().kind != tk.RPAREN:
            args.append(self.expression(0))
            while self.peek().kind == tk.COMMA:
                self.advance()
                args.append(self.expression(0))
        self.expect(tk.RPAREN, "')'")
        return Call(name, tuple(args))
