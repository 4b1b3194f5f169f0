"""The matching benchmark still runs, at a tiny scale."""

from bench.matching import NOW, generate, run, table


def test_the_generator_is_seeded_and_thai_shaped():
    volunteers, opportunities, shifts = generate(0.002, seed=5)
    again = generate(0.002, seed=5)
    assert (volunteers, opportunities, shifts) == again
    assert len(volunteers) == 200 and len(opportunities) == 20
    located = [v for v in volunteers if v.lat is not None]
    in_bangkok = [v for v in located if 13.4 < v.lat < 14.0 and 100.3 < v.lon < 101]
    assert 0.35 < len(in_bangkok) / len(located) < 0.75
    assert any(s.starts_at > NOW for s in shifts)


def test_a_tiny_run_reports_every_number():
    result = run(scale=0.003, seed=1, queries=20, k=5, m=5)
    for key in ("index_build_s", "recommend", "suggest", "proposal", "greedy"):
        assert key in result
    assert result["optimal"]["objective"] >= result["greedy"]["objective"]
    assert "recommend p50" in table(result)
