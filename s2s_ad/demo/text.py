"""Printing prose in the demos: wrapped to a readable width."""
import textwrap

WIDTH = 88


def say(text, indent=""):
    print(textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent))
