#!/usr/bin/env bash
# Checks the names of the Catch2 test cases under tests/ against the naming rule of
# tests/README.md ("Test names"): one sentence in the present tense, a capital first letter
# unless it starts with a program, command or protocol written as used (the allow-list below),
# no "topic: " prefix and no colon at all (C++ scope operators like Limits::maxOpenStreams aside),
# no issue numbers (they go in a `// Issue N: ...` comment above the TEST_CASE), none of
# ; [ ] * ~ " \ (Catch2 and ctest filters treat them specially), at most 140 characters, and
# every name unique across tests/ (ctest registers them all as tests of one project).
#
# A name is the string literal (or adjacent literals, concatenated) that is the first argument
# of TEST_CASE( or TEST_CASE_METHOD(Fixture, at the start of a line. Exit 0 with a one-line
# summary, or exit 1 listing file:line, the rule broken and the name.
# The GUI's Qt Test slots (gui/tests/) follow Qt's camelCase convention and are not checked.
set -euo pipefail
cd "$(dirname "$0")/.."

# First words that may stay lowercase, as they are written when used: programs the tests run or
# compare against, protocol names, and the h2lens commands (cli/main.cpp, kCommands).
allowed="h2lens tshark nghttp nghttpd curl h2load h2c gRPC
flows frames streams export follow interfaces live summary priority audit"

mapfile -t files < <(find tests -type f \( -name '*.cpp' -o -name '*.h' \) | LC_ALL=C sort)
if [ "${#files[@]}" -eq 0 ]; then
    echo "check_test_names: no test sources under tests/" >&2
    exit 1
fi

ALLOWED="$allowed" perl -CSD -e '
use strict;
use warnings;
my %allowed = map { $_ => 1 } split /\s+/, $ENV{ALLOWED};
my (@problems, %seen);
my $count = 0;
for my $file (@ARGV) {
    open my $fh, "<:encoding(UTF-8)", $file or die "$file: $!\n";
    local $/;
    my $src = <$fh>;
    close $fh;
    while ($src =~ /^[ \t]*(TEST_CASE(?:_METHOD)?)\s*\(/mg) {
        my ($macro, $at, $pos) = ($1, $-[0], $+[0]);
        my $line = 1 + (substr($src, 0, $at) =~ tr/\n//);
        my $where = "$file:$line";
        pos($src) = $pos;
        if ($macro eq "TEST_CASE_METHOD" && $src !~ /\G\s*[\w:]+\s*,/gc) {
            push @problems, "$where: cannot read the fixture of TEST_CASE_METHOD";
            pos($src) = $pos;
            next;
        }
        my ($raw, $pieces) = ("", 0);
        while ($src =~ /\G\s*"((?:[^"\\\n]|\\.)*)"/gc) {
            $raw .= $1;
            ++$pieces;
        }
        my $after = pos($src);
        if (!$pieces) {
            push @problems, "$where: the name is not a plain string literal";
            pos($src) = $pos;
            next;
        }
        ++$count;
        my $name = $raw;
        my @broken;
        push @broken, "empty name" if $name eq "";
        if ($name =~ /\\/) {
            push @broken, "a backslash or escape sequence";
            $name =~ s/\\(.)/$1/g;
        }
        if ($name ne "") {
            my ($first) = $name =~ /^(\S+)/;
            $first //= "";
            if ($name !~ /^\p{Lu}/ && !$allowed{$first}) {
                push @broken, "first letter not a capital (and \"$first\" is not an allowed program, command or protocol)";
            }
        }
        (my $colons = $name) =~ s/\w::\w//g;
        if ($colons =~ /^[^:]{0,40}: /) {
            push @broken, "a \"topic: \" prefix";
        } elsif ($colons =~ /:/) {
            push @broken, "a colon";
        }
        push @broken, "a semicolon" if $name =~ /;/;
        for my $c ("[", "]", "*", "~", "\"") {
            push @broken, "the character $c" if index($name, $c) >= 0;
        }
        push @broken, "an issue number (put it in a // Issue N: comment above)"
            if $name =~ /\bissues?\s*#?\d/i || $name =~ /#\d/;
        push @broken, "leading, trailing or double spaces" if $name =~ /^\s|\s$|\s\s/;
        push @broken, "longer than 140 characters (" . length($name) . ")" if length($name) > 140;
        if (exists $seen{$name}) {
            push @broken, "a duplicate of $seen{$name}";
        } else {
            $seen{$name} = $where;
        }
        push @problems, "$where: $_: $name" for @broken;
        pos($src) = $after;
    }
}
if (@problems) {
    print STDERR "$_\n" for @problems;
    printf STDERR "check_test_names: %d problem%s in %d test names (tests/README.md, \"Test names\")\n",
        scalar @problems, @problems == 1 ? "" : "s", $count;
    exit 1;
}
print "$count test names, one style\n";
' "${files[@]}"
