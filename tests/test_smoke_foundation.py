def test_practitioner_signs_in_and_sees_their_caseload(world, client_for):
    client = client_for(world.practitioner)
    page = client.get("/cases").get_data(as_text=True)
    assert "Amy Example" in page
    assert "Ben Elsewhere" not in page
